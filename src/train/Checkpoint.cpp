#include "train/Checkpoint.hpp"

#include <sstream>

#include "core/AtomicFile.hpp"
#include "core/Error.hpp"

namespace efgnn {
namespace {

template <class F>
auto guarded(const std::filesystem::path& file, F&& f) {
  try {
    return f();
  } catch (const c10::Error& e) {
    const std::string what = e.what_without_backtrace();
    throw Error(file.string() + ": not a readable efgnn checkpoint (" + what.substr(0, what.find('\n')) + ")");
  }
}

/// Tensors are read onto `device` whatever device they were saved from, so a GPU-trained model
/// opens on a CPU-only machine.
torch::serialize::InputArchive openArchive(const std::filesystem::path& file, const torch::Device& device) {
  if (!std::filesystem::exists(file)) throw Error(file.string() + ": no such checkpoint");
  return guarded(file, [&] {
    torch::serialize::InputArchive archive;
    archive.load_from(file.string(), device);
    c10::IValue format, version;
    if (!archive.try_read("format", format) || !format.isString() || format.toStringRef() != "efgnn-checkpoint")
      throw Error(file.string() + ": not an efgnn checkpoint");
    archive.read("version", version);
    if (version.toInt() > kCheckpointVersion)
      throw Error(file.string() + ": checkpoint version " + std::to_string(version.toInt()) +
                  " is newer than this efgnn reads (" + std::to_string(kCheckpointVersion) + ")");
    return archive;
  });
}

/// Pruning masks are buffers that exist only in pruned layers: the names of those layers are
/// stored beside the model, and the masks are created before the model's state is read.
void writeMaskedLayers(torch::serialize::OutputArchive& archive, EdgeClassifierModel& model) {
  std::string names;
  for (const auto& l : linearLayers(model))
    if (l.layer->hasMask()) names += (names.empty() ? "" : ",") + l.name;
  archive.write("masked_layers", c10::IValue(names));
}

void createMasks(torch::serialize::InputArchive& archive, EdgeClassifierModel& model) {
  c10::IValue names;
  if (!archive.try_read("masked_layers", names)) return;  // written before pruning existed
  std::string list = names.toStringRef();
  for (auto& l : linearLayers(model)) {
    const bool masked = ("," + list + ",").find("," + l.name + ",") != std::string::npos;
    if (masked && !l.layer->hasMask()) l.layer->setMask(torch::ones_like(l.layer->weight));
  }
}

TrainState readState(torch::serialize::InputArchive& archive) {
  c10::IValue epoch, best, best_epoch;
  archive.read("epoch", epoch);
  archive.read("best_metric", best);
  archive.read("best_epoch", best_epoch);
  return {static_cast<int>(epoch.toInt()), best.toDouble(), static_cast<int>(best_epoch.toInt())};
}

}  // namespace

void saveCheckpoint(const std::filesystem::path& file, EdgeClassifierModel& model, torch::optim::Optimizer* optimizer,
                    const TrainState& state, const TrainConfig& config) {
  torch::serialize::OutputArchive archive;
  archive.write("format", c10::IValue(std::string("efgnn-checkpoint")));
  archive.write("version", c10::IValue(static_cast<std::int64_t>(kCheckpointVersion)));
  archive.write("config", c10::IValue(config.toYaml()));
  archive.write("epoch", c10::IValue(static_cast<std::int64_t>(state.epoch)));
  archive.write("best_metric", c10::IValue(state.best_metric));
  archive.write("best_epoch", c10::IValue(static_cast<std::int64_t>(state.best_epoch)));
  writeMaskedLayers(archive, model);
  torch::serialize::OutputArchive model_archive;
  model.save(model_archive);
  archive.write("model", model_archive);
  if (optimizer) {
    torch::serialize::OutputArchive optimizer_archive;
    optimizer->save(optimizer_archive);
    archive.write("optimizer", optimizer_archive);
  }
  // Serialised in memory, then written by efgnn: LibTorch's file writer throws from its
  // destructor when the disk is full, which ends the process instead of reporting the error.
  std::ostringstream bytes;
  archive.save_to(bytes);
  writeFileAtomically(file, bytes.str());
}

LoadedCheckpoint loadCheckpoint(const std::filesystem::path& file, const torch::Device& device) {
  auto archive = openArchive(file, torch::kCPU);
  auto out = guarded(file, [&] {
    c10::IValue config;
    archive.read("config", config);
    LoadedCheckpoint out{TrainConfig::fromYaml(YamlNode::parse(config.toStringRef(), file.string() + " (config)")),
                         readState(archive), nullptr};
    out.model = makeModel(out.config.model);
    createMasks(archive, *out.model);
    torch::serialize::InputArchive model_archive;
    archive.read("model", model_archive);
    out.model->load(model_archive);
    return out;
  });
  out.model->to(device);
  return out;
}

void initializeFromCheckpoint(EdgeClassifierModel& model, const std::filesystem::path& file) {
  const auto parameters = model.parameters();
  const torch::Device device = parameters.empty() ? torch::Device(torch::kCPU) : parameters.front().device();
  const LoadedCheckpoint source = loadCheckpoint(file, device);
  // Masks first, so that the mask buffers exist when buffers are copied.
  auto source_layers = linearLayers(*source.model);
  for (auto& l : linearLayers(model))
    for (const auto& s : source_layers)
      if (s.name == l.name && s.layer->hasMask()) l.layer->setMask(s.layer->mask());
  torch::NoGradGuard no_grad;
  const auto copy = [&](const auto& into, const auto& from) {
    for (const auto& item : into) {
      const torch::Tensor* value = from.find(item.key());
      if (!value) continue;
      if (value->sizes() != item.value().sizes())
        throw Error(file.string() + ": '" + item.key() + "' has shape " + c10::str(value->sizes()) +
                    ", the model being trained has " + c10::str(item.value().sizes()) +
                    " (a different architecture; check hidden, layers and features)");
      item.value().copy_(*value);
    }
  };
  copy(model.named_parameters(), source.model->named_parameters());
  copy(model.named_buffers(), source.model->named_buffers());
  applyMasks(model);
}

TrainState restoreCheckpoint(const std::filesystem::path& file, EdgeClassifierModel& model,
                             torch::optim::Optimizer& optimizer) {
  const auto parameters = model.parameters();
  auto archive = openArchive(file, parameters.empty() ? torch::Device(torch::kCPU) : parameters.front().device());
  return guarded(file, [&] {
    torch::serialize::InputArchive model_archive, optimizer_archive;
    createMasks(archive, model);
    archive.read("model", model_archive);
    model.load(model_archive);
    archive.read("optimizer", optimizer_archive);
    optimizer.load(optimizer_archive);
    return readState(archive);
  });
}

}  // namespace efgnn
