#pragma once
// Knowledge distillation (REFERENCE.md section 8): a small student learns from the truth and
// from a large, frozen teacher's scores,
//   loss = alpha * L_truth + (1 - alpha) * T^2 * L_soft,
// L_truth the reference weighted BCE on the truth labels (edgeLoss), L_soft the BCE between
// the student's and the teacher's scores softened by the temperature T, sigmoid(logit / T),
// with the same per-edge weights (T^2 keeps the soft term's gradient scale independent of T).
#include <torch/torch.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/ConfigFields.hpp"
#include "train/Trainer.hpp"

namespace efgnn {

struct DistillConfig {
  double distill_alpha = 0.5;        // weight of the truth loss, in [0, 1]
  double distill_temperature = 2.0;  // > 0

  void validate() const;
  static const std::vector<ConfigField<DistillConfig>>& fields();
  static std::vector<std::string> keys() { return configKeys(fields()); }
  static DistillConfig fromYaml(const YamlNode& node);
  std::string toYaml() const;
};

torch::Tensor distillationLoss(const torch::Tensor& student_logits, const torch::Tensor& teacher_logits,
                               const GraphTensors& graph, const DistillConfig& config);

/// A trained model that teaches: frozen, evaluated once per graph (its logits are kept).
class Teacher {
 public:
  /// Loads the checkpoint and checks that its inputs are the student's: the same node and edge
  /// feature counts and, where both name them, the same features; throws Error saying which.
  Teacher(const std::string& checkpoint, const TrainConfig& student, const torch::Device& device);
  torch::Tensor logits(const GraphTensors& graph);

 private:
  std::shared_ptr<EdgeClassifierModel> model_;
  std::map<std::uint64_t, torch::Tensor> cache_;  // by event id
};

/// The training loss of a student taught by `teacher`.
TrainingLoss distillationTrainingLoss(std::shared_ptr<Teacher> teacher, DistillConfig config);

/// A teacher named by its checkpoint, with the distillation settings: what a run records of it.
struct TeacherSpec {
  std::string checkpoint;
  DistillConfig distillation;

  /// "teacher: ABSOLUTE_PATH" and the distillation settings: how a run folder records them.
  std::string toYaml() const;
};

/// A distillation's run folder records its teacher in teacher.yaml, written when the run starts;
/// a resumed run whose teacher or distillation settings differ from those recorded is refused
/// (throws Error naming each change), since its result would belong to neither.
void recordTeacher(const std::filesystem::path& run_dir, const TeacherSpec& spec, bool resume);

/// The training loss of a `student` taught by the teacher `spec` names, loaded on `device`.
TrainingLoss distillationTrainingLoss(const TeacherSpec& spec, const TrainConfig& student, const torch::Device& device);

}  // namespace efgnn
