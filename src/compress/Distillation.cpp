#include "compress/Distillation.hpp"

#include "core/AtomicFile.hpp"
#include "core/Error.hpp"
#include "graph/GraphDataset.hpp"
#include "train/Checkpoint.hpp"
#include "train/ResumeSettings.hpp"

namespace efgnn {

const std::vector<ConfigField<DistillConfig>>& DistillConfig::fields() {
  static const std::vector<ConfigField<DistillConfig>> f{
      configField("distill_alpha", &DistillConfig::distill_alpha),
      configField("distill_temperature", &DistillConfig::distill_temperature),
  };
  return f;
}

void DistillConfig::validate() const {
  if (!(distill_alpha >= 0 && distill_alpha <= 1))
    throw Error("distill_alpha must be in [0, 1], got " + std::to_string(distill_alpha));
  if (!(distill_temperature > 0)) throw Error("distill_temperature must be > 0, got " + std::to_string(distill_temperature));
}

DistillConfig DistillConfig::fromYaml(const YamlNode& node) {
  DistillConfig c;
  readConfigFields(c, fields(), node);
  c.validate();
  return c;
}

std::string DistillConfig::toYaml() const { return printConfigFields(*this, fields()); }

torch::Tensor distillationLoss(const torch::Tensor& student_logits, const torch::Tensor& teacher_logits,
                               const GraphTensors& graph, const DistillConfig& c) {
  const double t = c.distill_temperature;
  const auto soft_targets = torch::sigmoid(teacher_logits.detach() / t);
  const auto soft = torch::binary_cross_entropy_with_logits(student_logits / t, soft_targets, graph.weight);
  return c.distill_alpha * edgeLoss(student_logits, graph) + (1 - c.distill_alpha) * t * t * soft;
}

namespace {

void checkInputs(const char* what, int teacher_width, const std::vector<std::string>& teacher_names,
                 int student_width, const std::vector<std::string>& student_names, const std::string& checkpoint) {
  const auto list = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& n : v) s += (s.empty() ? "" : ", ") + n;
    return "[" + s + "]";
  };
  if (teacher_width != student_width)
    throw Error("teacher " + checkpoint + " reads " + std::to_string(teacher_width) + " " + what +
                " features, the student's data has " + std::to_string(student_width));
  if (!teacher_names.empty() && !student_names.empty() && teacher_names != student_names)
    throw Error("teacher " + checkpoint + " reads " + what + " features " + list(teacher_names) +
                ", the student's data has " + list(student_names));
}

}  // namespace

Teacher::Teacher(const std::string& checkpoint, const TrainConfig& student, const torch::Device& device) {
  LoadedCheckpoint loaded = loadCheckpoint(checkpoint, device);
  model_ = loaded.model;
  // The data set's features are the truth; the student's config may leave names out.
  std::vector<std::string> node_names = student.model.node_feature_names, edge_names = student.model.edge_feature_names;
  if (!student.input_dir.empty()) {
    const GraphDataset data(student.input_dir);
    node_names = data.manifest().node_features;
    edge_names = data.manifest().edge_features;
  }
  const auto& t = loaded.config.model;
  checkInputs("node", t.node_features, t.node_feature_names,
              node_names.empty() ? student.model.node_features : static_cast<int>(node_names.size()), node_names,
              checkpoint);
  if (t.edge_features > 0)
    checkInputs("edge", t.edge_features, t.edge_feature_names,
                edge_names.empty() ? student.model.edge_features : static_cast<int>(edge_names.size()), edge_names,
                checkpoint);
  model_->eval();
  for (auto& p : model_->parameters()) p.requires_grad_(false);
}

torch::Tensor Teacher::logits(const GraphTensors& g) {
  auto it = cache_.find(g.event_id);
  if (it == cache_.end()) {
    torch::NoGradGuard no_grad;
    it = cache_.emplace(g.event_id, model_->forward(g.x, g.edge_index, g.edge_attr)).first;
  }
  return it->second;
}

TrainingLoss distillationTrainingLoss(std::shared_ptr<Teacher> teacher, DistillConfig config) {
  config.validate();
  return [teacher, config](const torch::Tensor& logits, const GraphTensors& g) {
    return distillationLoss(logits, teacher->logits(g), g, config);
  };
}

std::string TeacherSpec::toYaml() const {
  return "teacher: " + std::filesystem::absolute(checkpoint).lexically_normal().string() + "\n" + distillation.toYaml();
}

void recordTeacher(const std::filesystem::path& run_dir, const TeacherSpec& spec, bool resume) {
  const auto file = run_dir / "teacher.yaml";
  if (resume && std::filesystem::exists(file)) {
    const std::string changes = forbiddenResumeChanges(readFile(file), spec.toYaml(), false);
    if (!changes.empty())
      throw Error(run_dir.string() + ": the teacher differs from the run being resumed (start a new --out):\n" +
                  changes);
  }
  std::filesystem::create_directories(run_dir);
  writeFileAtomically(file, spec.toYaml());
}

TrainingLoss distillationTrainingLoss(const TeacherSpec& spec, const TrainConfig& student,
                                      const torch::Device& device) {
  return distillationTrainingLoss(std::make_shared<Teacher>(spec.checkpoint, student, device), spec.distillation);
}

}  // namespace efgnn
