#include "train/TrainConfig.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "core/AtomicFile.hpp"
#include "core/ConfigFields.hpp"
#include "core/Error.hpp"
#include "ops/TrainingKernels.hpp"

namespace efgnn {
namespace {

using Field = ConfigField<TrainConfig>;

const std::vector<Field>& fields() {
  static const std::vector<Field> f{
      configField("input_dir", &TrainConfig::input_dir),
      configField("max_train_graphs", &TrainConfig::max_train_graphs),
      configField("max_val_graphs", &TrainConfig::max_val_graphs),
      configField("init_from", &TrainConfig::init_from),
      configField("eta_sectors", &TrainConfig::eta_sectors),
      configField("phi_sectors", &TrainConfig::phi_sectors),
      configField("sector_halo", &TrainConfig::sector_halo),
      configField("fake_weight", &TrainConfig::fake_weight),
      configField("target_weight", &TrainConfig::target_weight),
      configField("non_target_true_weight", &TrainConfig::non_target_true_weight),
      configField("target_pt_exponent", &TrainConfig::target_pt_exponent),
      configField("target_pt_max", &TrainConfig::target_pt_max),
      configField("balance", &TrainConfig::balance),
      configField("lr", &TrainConfig::lr),
      configField("weight_decay", &TrainConfig::weight_decay),
      configField("amsgrad", &TrainConfig::amsgrad),
      configField("warmup", &TrainConfig::warmup),
      configField("factor", &TrainConfig::factor),
      configField("patience", &TrainConfig::patience),
      configField("min_lr", &TrainConfig::min_lr),
      configField("max_epochs", &TrainConfig::max_epochs),
      configField("batch_size", &TrainConfig::batch_size),
      configField("gradient_clip_val", &TrainConfig::gradient_clip_val),
      configField("seed", &TrainConfig::seed),
      configField("edge_cut", &TrainConfig::edge_cut),
      configField("metric_to_monitor", &TrainConfig::metric_to_monitor),
      configField("metric_mode", &TrainConfig::metric_mode),
      configField("device", &TrainConfig::device),
      configField("threads", &TrainConfig::threads),
      configField("kernels", &TrainConfig::kernels),
  };
  return f;
}

const Field* findField(const std::string& key) { return findConfigField(fields(), key); }

}  // namespace

const std::vector<std::string>& TrainConfig::keys() {
  static const std::vector<std::string> k = configKeys(fields());
  return k;
}

const std::vector<std::string>& TrainConfig::ignoredKeys() {
  // Reference-pipeline keys about its own framework (stages, loggers, accelerators).
  static const std::vector<std::string> k{"stage", "stage_dir", "project", "accelerator", "devices", "nodes",
                                          "data_split", "dataset_class", "undirected", "node_scales",
                                          "checkpoint_path", "scheduler", "hard_cuts", "weighting"};
  return k;
}

TrainConfig TrainConfig::fromYaml(const YamlNode& node, const std::vector<std::string>& other_keys) {
  TrainConfig c;
  std::vector<std::string> others = keys();
  others.insert(others.end(), ignoredKeys().begin(), ignoredKeys().end());
  others.insert(others.end(), other_keys.begin(), other_keys.end());
  c.model = ModelConfig::fromYaml(node, others);
  readConfigFields(c, fields(), node);
  c.validate();
  return c;
}

TrainConfig TrainConfig::fromFile(const std::string& path, const std::vector<std::string>& other_keys) {
  TrainConfig c = fromYaml(YamlNode::parseFile(path), other_keys);
  // Data paths are relative to the config file, so configs travel with their data.
  for (std::string* p : {&c.input_dir, &c.init_from})
    if (!p->empty() && std::filesystem::path(*p).is_relative())
      *p = (std::filesystem::path(path).parent_path() / *p).lexically_normal().string();
  return c;
}

void TrainConfig::set(const std::string& assignment) {
  const auto eq = assignment.find('=');
  const std::string key = assignment.substr(0, eq);
  if (const Field* f = findField(key)) {
    if (eq == std::string::npos) throw Error("--set '" + assignment + "': expected key=value");
    const YamlNode value = YamlNode::parse(key + ": " + assignment.substr(eq + 1), "--set " + assignment);
    TrainConfig changed = *this;  // a rejected value leaves the config as it was
    f->read(changed, value[key]);
    changed.validate();
    *this = std::move(changed);
    return;
  }
  if (std::find(ModelConfig::keys().begin(), ModelConfig::keys().end(), key) != ModelConfig::keys().end()) {
    model.set(assignment);
    return;
  }
  std::vector<std::string> valid = keys();
  valid.insert(valid.end(), ModelConfig::keys().begin(), ModelConfig::keys().end());
  throw Error("--set: unknown key '" + key + "' (did you mean '" + closestKey(key, valid) + "'?)");
}

void TrainConfig::validate() const {
  model.validate();
  if (balance != "none" && balance != "proportional" && balance != "equal")
    throw Error("balance must be none, proportional or equal, got '" + balance + "'");
  if (!(lr > 0) || min_lr < 0 || !(factor > 0) || factor > 1) throw Error("lr, min_lr or factor out of range");
  if (warmup < 0 || patience <= 0 || max_epochs <= 0 || batch_size <= 0)
    throw Error("warmup >= 0, patience, max_epochs and batch_size > 0 required");
  if (!(edge_cut > 0 && edge_cut < 1)) throw Error("edge_cut must be in (0, 1)");
  if (metric_mode != "min" && metric_mode != "max") throw Error("metric_mode must be min or max");
  static const std::vector<std::string> metrics{"val_loss", "train_loss", "edgewise_efficiency", "total_purity",
                                                "target_purity", "masked_purity", "auc"};
  if (std::find(metrics.begin(), metrics.end(), metric_to_monitor) == metrics.end())
    throw Error("metric_to_monitor: unknown metric '" + metric_to_monitor + "' (did you mean '" +
                closestKey(metric_to_monitor, metrics) + "'?)");
  if (device != "cpu" && device.rfind("cuda", 0) != 0) throw Error("device must be cpu or cuda[:N], got '" + device + "'");
  if (fake_weight < 0 || target_weight < 0 || non_target_true_weight < 0) throw Error("loss weights must be >= 0");
  if (!(target_pt_exponent >= 0 && target_pt_exponent <= 4) || !(target_pt_max >= 1))
    throw Error("target_pt_exponent must be in [0, 4] and target_pt_max >= 1 [GeV], got " +
                std::to_string(target_pt_exponent) + " and " + std::to_string(target_pt_max));
  if (max_train_graphs < 0 || max_val_graphs < 0)
    throw Error("max_train_graphs and max_val_graphs must be >= 0 (0: all), got " + std::to_string(max_train_graphs) +
                " and " + std::to_string(max_val_graphs));
  trainingKernelsNamed(kernels);  // throws for an unknown name
  if (eta_sectors < 1 || eta_sectors > 64 || phi_sectors < 1 || phi_sectors > 64 || !(sector_halo >= 0))
    throw Error("eta_sectors and phi_sectors must be in [1, 64] and sector_halo >= 0, got " +
                std::to_string(eta_sectors) + ", " + std::to_string(phi_sectors) + ", " + std::to_string(sector_halo));
  // 1024: beyond any machine this runs on; more threads only cost memory (a stack each).
  if (threads < 0 || threads > 1024) throw Error("threads must be in [0, 1024] (0: all cores), got " + std::to_string(threads));
}

std::string TrainConfig::toYaml() const { return model.toYaml() + printConfigFields(*this, fields()); }

torch::Device parseDevice(const std::string& name) {
  try {
    const torch::Device device(name);
    if (device.is_cuda() && !torch::cuda::is_available())
      throw Error("device '" + name + "': this LibTorch has no usable CUDA device (use cpu)");
    if (!device.is_cpu() && !device.is_cuda()) throw Error("device '" + name + "': use cpu or cuda[:N]");
    return device;
  } catch (const c10::Error&) {
    throw Error("device '" + name + "' is not a device name (cpu, cuda or cuda:N)");
  }
}

double TrainConfig::learningRate(int epoch) const {
  if (epoch < warmup) return lr * (epoch + 1) / warmup;
  return std::max(min_lr, lr * std::pow(factor, (epoch - warmup) / patience));
}

}  // namespace efgnn
