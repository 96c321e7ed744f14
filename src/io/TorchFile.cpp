#include "io/TorchFile.hpp"

#include <cmath>
#include <cstring>
#include <limits>
#include <fstream>

#include "core/Error.hpp"

namespace efgnn {
namespace {

using pickle::Value;

struct StorageType {
  const char* storage;  // class name in the pickle (torch.FloatStorage)
  const char* dtype;
  int bytes;
};
constexpr StorageType kStorageTypes[] = {
    {"FloatStorage", "float32", 4}, {"DoubleStorage", "float64", 8}, {"HalfStorage", "float16", 2},
    {"BFloat16Storage", "bfloat16", 2}, {"LongStorage", "int64", 8}, {"IntStorage", "int32", 4},
    {"ShortStorage", "int16", 2}, {"CharStorage", "int8", 1}, {"ByteStorage", "uint8", 1},
    {"BoolStorage", "bool", 1}};

float halfToFloat(std::uint16_t h) {
  const std::uint32_t sign = (h & 0x8000u) << 16, exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
  float f;
  if (exponent == 0) {
    f = std::ldexp(static_cast<float>(mantissa), -24);
  } else if (exponent == 31) {
    f = mantissa ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
  } else {
    const std::uint32_t bits = ((exponent + 112) << 23) | (mantissa << 13);
    std::memcpy(&f, &bits, 4);
  }
  std::uint32_t bits;
  std::memcpy(&bits, &f, 4);
  bits |= sign;
  std::memcpy(&f, &bits, 4);
  return f;
}

float elementAt(const char* p, const StorageType& t) {
  const std::string_view d = t.dtype;
  if (d == "float32") { float v; std::memcpy(&v, p, 4); return v; }
  if (d == "float64") { double v; std::memcpy(&v, p, 8); return static_cast<float>(v); }
  if (d == "float16") { std::uint16_t v; std::memcpy(&v, p, 2); return halfToFloat(v); }
  if (d == "bfloat16") { std::uint32_t v = 0; std::memcpy(reinterpret_cast<char*>(&v) + 2, p, 2); float f; std::memcpy(&f, &v, 4); return f; }
  if (d == "int64") { std::int64_t v; std::memcpy(&v, p, 8); return static_cast<float>(v); }
  if (d == "int32") { std::int32_t v; std::memcpy(&v, p, 4); return static_cast<float>(v); }
  if (d == "int16") { std::int16_t v; std::memcpy(&v, p, 2); return static_cast<float>(v); }
  if (d == "int8") return static_cast<float>(static_cast<std::int8_t>(*p));
  return static_cast<float>(static_cast<unsigned char>(*p));  // uint8, bool
}

std::vector<std::int64_t> integers(const Value& tuple, const std::string& what) {
  if (tuple.kind != Value::Kind::Tuple) throw Error(what + ": expected a tuple of integers, got " + tuple.describe());
  std::vector<std::int64_t> out;
  for (const auto& v : tuple.items) {
    if (v->kind != Value::Kind::Int) throw Error(what + ": expected integers, got " + v->describe());
    out.push_back(v->integer);
  }
  return out;
}

}  // namespace

TorchFile TorchFile::read(const std::filesystem::path& file) {
  {
    std::ifstream in(file, std::ios::binary);
    char magic[4] = {};
    if (in && in.read(magic, 4) && std::memcmp(magic, "PK\x03\x04", 4) != 0)
      throw Error(file.string() +
                  ": not a zip archive: torch.save writes zip archives since PyTorch 1.6 (this may be an older "
                  "file; load and save it again with a newer PyTorch)");
  }
  TorchFile t;
  t.zip_ = ZipArchive::read(file);
  std::string pickle_entry;
  for (const auto& name : t.zip_.names()) {
    const auto slash = name.find('/');
    if (slash != std::string::npos && name.substr(slash) == "/data.pkl") pickle_entry = name;
  }
  if (pickle_entry.empty()) throw Error(file.string() + ": a zip archive without FOLDER/data.pkl: not written by torch.save");
  t.prefix_ = pickle_entry.substr(0, pickle_entry.find('/') + 1);
  if (t.zip_.contains(t.prefix_ + "byteorder")) {
    const std::string order = t.zip_.entry(t.prefix_ + "byteorder");
    if (order != "little") throw Error(file.string() + ": tensors stored " + order + "-endian; little-endian ones are read");
  }
  t.root_ = pickle::load(t.zip_.entry(pickle_entry), file.string() + ": " + pickle_entry);
  return t;
}

bool TorchFile::isTensor(const Value& v) {
  const std::string c = v.className();
  return c == "torch._utils._rebuild_tensor_v2" || c == "torch._utils._rebuild_parameter" ||
         c == "torch._utils._rebuild_parameter_with_state";
}

TorchTensor TorchFile::tensor(const Value& v, const std::string& what) const {
  const std::string where = file().string() + ": " + what;
  const std::string c = v.className();
  if (c == "torch._utils._rebuild_parameter" || c == "torch._utils._rebuild_parameter_with_state") {
    if (v.items.empty()) throw Error(where + ": a Parameter without its tensor");
    return tensor(*v.items.front(), what);
  }
  if (c != "torch._utils._rebuild_tensor_v2") throw Error(where + ": expected a tensor, got " + v.describe());
  if (v.items.size() < 4) throw Error(where + ": a tensor with " + std::to_string(v.items.size()) + " arguments");
  const Value& id = *v.items[0];
  // ('storage', class, key, location, numel)
  if (id.kind != Value::Kind::PersistentId || id.items.size() < 5 || id.items[1]->kind != Value::Kind::Global ||
      id.items[2]->kind != Value::Kind::String)
    throw Error(where + ": its storage is not a torch.save storage reference");
  const std::string& type_name = id.items[1]->text;
  const StorageType* type = nullptr;
  for (const auto& s : kStorageTypes)
    if (type_name == std::string("torch.") + s.storage) type = &s;
  if (!type) throw Error(where + ": storage type " + type_name + " is not read");
  const std::string bytes = zip_.entry(prefix_ + "data/" + id.items[2]->text);
  if (v.items[1]->kind != Value::Kind::Int) throw Error(where + ": storage offset is " + v.items[1]->describe());
  const std::int64_t offset = v.items[1]->integer;
  TorchTensor out;
  out.dtype = type->dtype;
  out.sizes = integers(*v.items[2], where + " size");
  const std::vector<std::int64_t> strides = integers(*v.items[3], where + " stride");
  if (strides.size() != out.sizes.size()) throw Error(where + ": " + std::to_string(out.sizes.size()) + " sizes but " + std::to_string(strides.size()) + " strides");
  std::int64_t count = 1, last = offset;
  for (std::size_t d = 0; d < out.sizes.size(); ++d) {
    if (out.sizes[d] < 0 || strides[d] < 0) throw Error(where + ": negative size or stride");
    count *= out.sizes[d];
    if (out.sizes[d] > 0) last += (out.sizes[d] - 1) * strides[d];
  }
  const auto elements = static_cast<std::int64_t>(bytes.size() / static_cast<std::size_t>(type->bytes));
  if (count > 0 && (offset < 0 || last >= elements))
    throw Error(where + ": reaches element " + std::to_string(last) + " of a storage of " + std::to_string(elements));
  out.values.resize(static_cast<std::size_t>(count));
  std::vector<std::int64_t> index(out.sizes.size(), 0);
  for (std::int64_t k = 0; k < count; ++k) {
    std::int64_t at = offset;
    for (std::size_t d = 0; d < index.size(); ++d) at += index[d] * strides[d];
    out.values[static_cast<std::size_t>(k)] = elementAt(bytes.data() + at * type->bytes, *type);
    for (std::size_t d = index.size(); d-- > 0;) {
      if (++index[d] < out.sizes[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

}  // namespace efgnn
