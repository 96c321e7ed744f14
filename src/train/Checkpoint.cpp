#include "train/Checkpoint.hpp"

#include <zlib.h>

#include <cstdint>
#include <sstream>

#include "core/AtomicFile.hpp"
#include "core/Error.hpp"
#include "model/CopyWeights.hpp"
#include "runtime/ModelFile.hpp"

namespace efgnn {
namespace {

template <class F>
auto guarded(const std::filesystem::path& file, F&& f) {
  try {
    return f();
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {  // c10::Error, and LibTorch's unpickler on damaged records
    const auto* c10 = dynamic_cast<const c10::Error*>(&e);
    const std::string what = c10 ? c10->what_without_backtrace() : e.what();
    throw Error(file.string() + ": not a readable efgnn checkpoint (" + what.substr(0, what.find('\n')) + ")");
  }
}

/// Little-endian integers of the zip format.
std::uint32_t le(const std::string& b, std::size_t at, int bytes) {
  std::uint32_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}

/// CRC-32 of raw deflate data once inflated; a value no record has (its complement) when the
/// data does not inflate.
std::uint32_t inflatedCrc32(const char* data, std::size_t size) {
  z_stream z{};
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK) return 0;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
  z.avail_in = static_cast<uInt>(size);
  uLong crc = ::crc32(0L, Z_NULL, 0);
  unsigned char out[16384];
  int status = Z_OK;
  while (status == Z_OK) {
    z.next_out = out;
    z.avail_out = sizeof out;
    status = inflate(&z, Z_NO_FLUSH);
    if (status != Z_OK && status != Z_STREAM_END) break;
    crc = ::crc32(crc, out, static_cast<uInt>(sizeof out - z.avail_out));
    if (status == Z_OK && z.avail_in == 0 && z.avail_out != 0) status = Z_DATA_ERROR;  // cut short
  }
  inflateEnd(&z);
  return status == Z_STREAM_END ? static_cast<std::uint32_t>(crc) : ~static_cast<std::uint32_t>(crc);
}

/// Checks every record of a checkpoint (a zip archive, as LibTorch writes it: tensors stored,
/// code deflated) against the CRC-32 the archive gives it. LibTorch's reader is built without
/// these checks, so a damaged file would otherwise load with damaged weights.
void verifyRecords(const std::string& b, const std::filesystem::path& file) {
  const auto damaged = [&](const std::string& what) {
    return Error(file.string() + ": not a readable efgnn checkpoint (damaged: " + what + ")");
  };
  constexpr std::size_t kEnd = 22, kCentral = 46, kLocal = 30;
  // The end-of-directory record: at most a 64 KiB comment after it.
  std::size_t end = std::string::npos;
  for (std::size_t at = b.size() >= kEnd ? b.size() - kEnd + 1 : 0; at-- > 0 && b.size() - at <= kEnd + 65535;)
    if (le(b, at, 4) == 0x06054b50) {
      end = at;
      break;
    }
  if (end == std::string::npos) throw damaged("no zip directory");
  std::size_t entries = le(b, end + 10, 2), size = le(b, end + 12, 4), offset = le(b, end + 16, 4);
  if (entries == 0xffff || size == 0xffffffff || offset == 0xffffffff) {  // zip64: its own end record
    if (end < 20 || le(b, end - 20, 4) != 0x07064b50) throw damaged("zip64 locator missing");
    const std::uint64_t at64 = le(b, end - 12, 4) | (std::uint64_t{le(b, end - 8, 4)} << 32);
    if (at64 > b.size() || b.size() - at64 < 56 || le(b, at64, 4) != 0x06064b50) throw damaged("zip64 directory missing");
    entries = le(b, at64 + 32, 4);
    size = le(b, at64 + 40, 4);
    offset = le(b, at64 + 48, 4);
  }
  if (offset > b.size() || size > b.size() - offset) throw damaged("directory outside the file");
  std::size_t at = offset;
  for (std::size_t i = 0; i < entries; ++i) {
    if (at + kCentral > offset + size || le(b, at, 4) != 0x02014b50) throw damaged("directory entry " + std::to_string(i));
    const std::uint32_t crc = le(b, at + 16, 4), method = le(b, at + 10, 2);
    std::uint64_t stored = le(b, at + 20, 4), local = le(b, at + 42, 4);
    const std::size_t name = le(b, at + 28, 2), extra = le(b, at + 30, 2), comment = le(b, at + 32, 2);
    // zip64 sizes and offsets in the extra field (id 1), in this order where the fields are full.
    for (std::size_t x = at + kCentral + name; x + 4 <= at + kCentral + name + extra && x + 4 <= b.size();) {
      const std::size_t id = le(b, x, 2), n = le(b, x + 2, 2);
      if (id == 1) {
        std::size_t f = x + 4;
        const auto next = [&]() -> std::uint64_t {
          if (f + 8 > b.size()) throw damaged("zip64 field");
          const std::uint64_t v = le(b, f, 4) | (std::uint64_t{le(b, f + 4, 4)} << 32);
          f += 8;
          return v;
        };
        if (le(b, at + 24, 4) == 0xffffffff) next();  // uncompressed size
        if (stored == 0xffffffff) stored = next();
        if (local == 0xffffffff) local = next();
      }
      x += 4 + n;
    }
    if (local > b.size() || b.size() - local < kLocal || le(b, local, 4) != 0x04034b50)
      throw damaged("record " + std::to_string(i));
    const std::uint64_t data = local + kLocal + le(b, local + 26, 2) + le(b, local + 28, 2);
    if (data > b.size() || stored > b.size() - data) throw damaged("record " + std::to_string(i) + " cut short");
    if (method == 0) {
      if (runtime::crc32(b.data() + data, stored) != crc) throw damaged("record " + std::to_string(i) + " fails its CRC");
    } else if (method == 8) {  // deflate (LibTorch compresses its code records)
      if (inflatedCrc32(b.data() + data, stored) != crc) throw damaged("record " + std::to_string(i) + " fails its CRC");
    } else {
      throw damaged("record " + std::to_string(i) + " compressed with method " + std::to_string(method));
    }
    at += kCentral + name + extra + comment;
  }
}

/// Tensors are read onto `device` whatever device they were saved from, so a GPU-trained model
/// opens on a CPU-only machine.
torch::serialize::InputArchive openArchive(const std::filesystem::path& file, const torch::Device& device) {
  if (!std::filesystem::exists(file)) throw Error(file.string() + ": no such checkpoint");
  const std::string bytes = readFile(file);
  verifyRecords(bytes, file);
  return guarded(file, [&] {
    torch::serialize::InputArchive archive;
    std::istringstream stream(bytes);
    archive.load_from(stream, device);
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
  copyWeights(model, *source.model, file.string());
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
