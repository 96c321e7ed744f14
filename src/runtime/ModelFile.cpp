#include "runtime/ModelFile.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

namespace efgnn::runtime {
namespace {

constexpr char kMagic[8] = {'E', 'F', 'G', 'N', 'N', 'M', 'D', 'L'};
constexpr std::size_t kHeaderSize = 8 + 4 + 8 + 4;
constexpr std::uint64_t kMaxRank = 8;

std::size_t elementSize(ArrayType t) { return t == ArrayType::U8 || t == ArrayType::I8 ? 1 : 4; }

class Writer {
 public:
  template <class T>
  void put(T v) {
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));  // the file is little-endian, as every machine we build for
    out_.append(b, sizeof(T));
  }
  void bytes(const void* p, std::size_t n) { out_.append(static_cast<const char*>(p), n); }
  void string(const std::string& s) {
    put(static_cast<std::uint32_t>(s.size()));
    out_ += s;
  }
  std::string& str() { return out_; }

 private:
  std::string out_;
};

/// Bounds-checked reading: every read names what it was reading when the bytes run out.
class Reader {
 public:
  Reader(const std::string& bytes, std::size_t begin, std::size_t end, const std::string& source)
      : bytes_(bytes), pos_(begin), end_(end), source_(source) {}
  template <class T>
  T get(const char* what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  std::string string(const char* what) {
    const auto n = get<std::uint32_t>(what);
    need(n, what);
    std::string s = bytes_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  void bytes(void* to, std::uint64_t n, const char* what) {
    need(n, what);
    if (n > 0) std::memcpy(to, bytes_.data() + pos_, n);
    pos_ += n;
  }
  std::size_t remaining() const { return end_ - pos_; }
  [[noreturn]] void fail(const std::string& what) const {
    throw ModelFileError(source_ + ": byte " + std::to_string(pos_) + ": " + what);
  }

 private:
  void need(std::uint64_t n, const char* what) const {
    if (n > remaining()) fail(std::string("truncated while reading ") + what);
  }
  const std::string& bytes_;
  std::size_t pos_, end_;
  const std::string& source_;
};

}  // namespace

namespace {
int toInt(const ModelFile& f, const std::string& key, const std::string& source) {
  const std::string& v = f.setting(key, source);
  try {
    std::size_t used = 0;
    const int i = std::stoi(v, &used);
    if (used == v.size() && i >= 0) return i;
  } catch (const std::exception&) {
  }
  throw ModelFileError(source + ": setting '" + key + "': expected a non-negative integer, got '" + v + "'");
}

bool toBool(const ModelFile& f, const std::string& key, const std::string& source) {
  const std::string& v = f.setting(key, source);
  if (v == "true") return true;
  if (v == "false") return false;
  throw ModelFileError(source + ": setting '" + key + "': expected true or false, got '" + v + "'");
}

// The architecture's settings, each key listed once: of() reads them, writeTo() writes them.
template <class T, class Owner = Architecture>
struct Setting {
  const char* key;
  T Owner::*member;
};
constexpr Setting<int> kIntSettings[] = {{"hidden", &Architecture::hidden},
                                         {"n_graph_iters", &Architecture::iterations},
                                         {"node_features", &Architecture::node_features},
                                         {"edge_features", &Architecture::edge_features},
                                         {"nb_node_layer", &Architecture::node_layers},
                                         {"nb_edge_layer", &Architecture::edge_layers}};
constexpr Setting<bool> kBoolSettings[] = {{"layernorm", &Architecture::layernorm},
                                           {"batchnorm", &Architecture::batchnorm},
                                           {"concat", &Architecture::concat},
                                           {"in_out_diff_agg", &Architecture::in_out_diff_agg},
                                           {"node_net_recurrent", &Architecture::node_net_recurrent},
                                           {"edge_net_recurrent", &Architecture::edge_net_recurrent}};
constexpr Setting<int, Architecture::Quantization> kQuantSettings[] = {
    {"weight_bits", &Architecture::Quantization::weight_bits},
    {"activation_bits", &Architecture::Quantization::activation_bits},
    {"input_bits", &Architecture::Quantization::input_bits},
    {"norm_bits", &Architecture::Quantization::norm_bits}};
constexpr const char* kModelName = "InteractionGNN2";
}  // namespace

void Architecture::writeTo(ModelFile& f) const {
  f.settings["model"] = kModelName;
  f.settings["weights"] = integer() ? "integer" : "float";
  f.settings["hidden_activation"] = activation;
  f.settings["output_activation"] = output_activation;
  f.settings["output_norm"] = output_norm ? "true" : "false";
  if (batchnorm) {
    char eps[32];
    std::snprintf(eps, sizeof eps, "%.9g", batchnorm_eps);
    f.settings["batchnorm_eps"] = eps;
  }
  for (const auto& s : kIntSettings) f.settings[s.key] = std::to_string(this->*s.member);
  for (const auto& s : kBoolSettings) f.settings[s.key] = this->*s.member ? "true" : "false";
  if (integer())
    for (const auto& s : kQuantSettings) f.settings[s.key] = std::to_string(quant.*s.member);
}

Architecture Architecture::of(const ModelFile& f, const std::string& source) {
  const std::string& model = f.setting("model", source);
  if (model != kModelName)
    throw ModelFileError(source + ": model '" + model + "': the runtime runs " + kModelName + " only");
  const std::string& weights = f.setting("weights", source);
  if (weights != "float" && weights != "integer")
    throw ModelFileError(source + ": weights '" + weights + "': expected float or integer");
  Architecture a;
  for (const auto& s : kIntSettings) a.*s.member = toInt(f, s.key, source);
  for (const auto& s : kBoolSettings) a.*s.member = toBool(f, s.key, source);
  if (a.batchnorm) {
    const std::string& eps = f.setting("batchnorm_eps", source);
    char* end = nullptr;
    a.batchnorm_eps = std::strtof(eps.c_str(), &end);
    if (end == eps.c_str() || *end != '\0' || !(a.batchnorm_eps > 0))
      throw ModelFileError(source + ": setting 'batchnorm_eps': expected a positive number, got '" + eps + "'");
    if (a.layernorm) throw ModelFileError(source + ": layernorm and batchnorm both set");
    if (weights != "float")
      throw ModelFileError(source + ": BatchNorm in an integer model: the integer path takes LayerNorm or no norm");
  }
  a.activation = f.setting("hidden_activation", source);
  a.output_activation = f.settings.count("output_activation") ? f.setting("output_activation", source) : a.activation;
  a.output_norm = !f.settings.count("output_norm") || toBool(f, "output_norm", source);
  if (weights == "integer") {
    auto& q = a.quant;
    for (const auto& s : kQuantSettings) q.*s.member = toInt(f, s.key, source);
    // Products of codes are summed exactly in float32 (24-bit mantissa): bounded widths keep
    // the sums far below 2^24 (see IntegerKernels.hpp).
    if (q.weight_bits < 2 || q.weight_bits > 8 || q.activation_bits < 1 || q.activation_bits > 8 || q.input_bits < 2 ||
        q.input_bits > 16 || q.norm_bits > 16)
      throw ModelFileError(source + ": integer model with weight_bits " + std::to_string(q.weight_bits) +
                           ", activation_bits " + std::to_string(q.activation_bits) + ", input_bits " +
                           std::to_string(q.input_bits) +
                           ": the runtime's integer path takes weights of 2-8 bits, activations of 1-8 bits and "
                           "inputs of 2-16 bits");
    // Activation codes are unsigned (0 .. 2^bits - 1): quantization-aware models use ReLU.
    if (a.activation != "ReLU" || a.output_activation != "ReLU")
      throw ModelFileError(source + ": integer model with hidden_activation '" + a.activation + "' and output_activation '" + a.output_activation +
                           "': the runtime's integer path takes ReLU (unsigned activation codes)");
  }
  if (a.hidden == 0 || a.node_layers == 0 || a.edge_layers == 0 || a.node_features == 0)
    throw ModelFileError(source + ": hidden, nb_node_layer, nb_edge_layer and node_features must be positive");
  if (a.iterations > 256)
    throw ModelFileError(source + ": n_graph_iters " + std::to_string(a.iterations) + " (at most 256)");
  return a;
}

std::uint32_t crc32(const void* data, std::size_t size) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t c = 0xFFFFFFFFu;
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < size; ++i) c = table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

std::uint64_t NamedArray::size() const {
  std::uint64_t n = 1;
  for (const auto d : dims) n *= d;
  return n;
}

const NamedArray* ModelFile::find(const std::string& name) const {
  for (const auto& a : arrays)
    if (a.name == name) return &a;
  return nullptr;
}

const std::string& ModelFile::setting(const std::string& key, const std::string& source) const {
  const auto it = settings.find(key);
  if (it == settings.end()) throw ModelFileError(source + ": the model file has no setting '" + key + "'");
  return it->second;
}

std::vector<std::string> ModelFile::names(const std::string& key) const {
  std::vector<std::string> list;
  const auto it = settings.find(key);
  if (it == settings.end()) return list;
  std::size_t start = 0;
  while (start <= it->second.size()) {
    const auto comma = std::min(it->second.find(',', start), it->second.size());
    if (comma > start) list.push_back(it->second.substr(start, comma - start));
    start = comma + 1;
  }
  return list;
}

void ModelFile::setNames(const std::string& key, const std::vector<std::string>& list) {
  std::string joined;
  for (const auto& name : list) joined += (joined.empty() ? "" : ",") + name;
  settings[key] = joined;
}

std::string ModelFile::serialize() const {
  Writer payload;
  payload.put(static_cast<std::uint32_t>(settings.size()));
  for (const auto& [k, v] : settings) {
    payload.string(k);
    payload.string(v);
  }
  payload.put(static_cast<std::uint32_t>(arrays.size()));
  for (const auto& a : arrays) {
    payload.string(a.name);
    payload.put(static_cast<std::uint8_t>(a.type));
    payload.put(static_cast<std::uint8_t>(a.dims.size()));
    for (const auto d : a.dims) payload.put(d);
    const std::uint64_t n = a.size();
    const std::uint64_t held = a.type == ArrayType::F32   ? a.f32.size()
                               : a.type == ArrayType::I32 ? a.i32.size()
                               : a.type == ArrayType::U8  ? a.u8.size()
                                                          : a.i8.size();
    if (held != n)
      throw ModelFileError("array '" + a.name + "': " + std::to_string(held) + " values for dimensions holding " +
                           std::to_string(n));
    if (a.type == ArrayType::F32)
      payload.bytes(a.f32.data(), n * 4);
    else if (a.type == ArrayType::I32)
      payload.bytes(a.i32.data(), n * 4);
    else if (a.type == ArrayType::U8)
      payload.bytes(a.u8.data(), n);
    else
      payload.bytes(a.i8.data(), n);
  }
  Writer file;
  file.bytes(kMagic, sizeof kMagic);
  file.put(kModelFileVersion);
  file.put(static_cast<std::uint64_t>(payload.str().size()));
  file.put(crc32(payload.str().data(), payload.str().size()));
  file.str() += payload.str();
  return std::move(file.str());
}

ModelFile ModelFile::parse(const std::string& bytes, const std::string& source) {
  Reader header(bytes, 0, bytes.size(), source);
  char magic[8];
  header.bytes(magic, sizeof magic, "the header");
  if (std::memcmp(magic, kMagic, sizeof magic) != 0) header.fail("not an efgnn model file (bad magic)");
  const auto version = header.get<std::uint32_t>("the header");
  if (version > kModelFileVersion)
    header.fail("model file version " + std::to_string(version) + " is newer than this runtime's (" +
                std::to_string(kModelFileVersion) + "); update efgnn or export again");
  if (version == 0) header.fail("model file version 0 does not exist");
  const auto size = header.get<std::uint64_t>("the header");
  const auto checksum = header.get<std::uint32_t>("the header");
  if (size != header.remaining())
    header.fail("the header announces " + std::to_string(size) + " payload bytes, the file holds " +
                std::to_string(header.remaining()) + (size > header.remaining() ? " (truncated)" : ""));
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION  // fuzzing: let mutations reach the parser
  if (crc32(bytes.data() + kHeaderSize, size) != checksum) header.fail("checksum mismatch: the file is corrupt");
#else
  (void)checksum;
#endif

  Reader r(bytes, kHeaderSize, bytes.size(), source);
  ModelFile m;
  const auto n_settings = r.get<std::uint32_t>("the number of settings");
  for (std::uint32_t i = 0; i < n_settings; ++i) {
    std::string key = r.string("a setting's key");
    std::string value = r.string("a setting's value");
    if (!m.settings.emplace(std::move(key), std::move(value)).second) r.fail("a setting appears twice");
  }
  const auto n_arrays = r.get<std::uint32_t>("the number of arrays");
  std::set<std::string> names;
  for (std::uint32_t i = 0; i < n_arrays; ++i) {
    NamedArray a;
    a.name = r.string("an array's name");
    if (!names.insert(a.name).second) r.fail("array '" + a.name + "' appears twice");
    const auto type = r.get<std::uint8_t>("an array's type");
    if (type > static_cast<std::uint8_t>(ArrayType::I8))
      r.fail("array '" + a.name + "': unknown type " + std::to_string(type));
    a.type = static_cast<ArrayType>(type);
    const auto rank = r.get<std::uint8_t>("an array's rank");
    if (rank > kMaxRank) r.fail("array '" + a.name + "': rank " + std::to_string(rank) + " (at most 8)");
    std::uint64_t n = 1;
    for (int d = 0; d < rank; ++d) {
      const auto dim = r.get<std::uint64_t>("an array's dimensions");
      // Each factor is checked against the bytes left, so the product cannot overflow.
      if (dim > r.remaining() || (dim > 0 && n > r.remaining() / dim))
        r.fail("array '" + a.name + "': dimensions larger than the file");
      n *= dim;
      a.dims.push_back(dim);
    }
    const std::uint64_t bytes_needed = n * elementSize(a.type);
    if (bytes_needed > r.remaining()) r.fail("array '" + a.name + "': truncated data");
    if (a.type == ArrayType::F32) {
      a.f32.resize(n);
      r.bytes(a.f32.data(), bytes_needed, "array data");
    } else if (a.type == ArrayType::I32) {
      a.i32.resize(n);
      r.bytes(a.i32.data(), bytes_needed, "array data");
    } else if (a.type == ArrayType::U8) {
      a.u8.resize(n);
      r.bytes(a.u8.data(), bytes_needed, "array data");
    } else {
      a.i8.resize(n);
      r.bytes(a.i8.data(), bytes_needed, "array data");
    }
    m.arrays.push_back(std::move(a));
  }
  if (r.remaining() != 0) r.fail(std::to_string(r.remaining()) + " bytes after the last array");
  return m;
}

ModelFile ModelFile::read(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ModelFileError(file.string() + ": cannot open");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return parse(bytes.str(), file.string());
}

void ModelFile::write(const std::filesystem::path& file) const {
  const std::string bytes = serialize();
  const std::filesystem::path temp = file.string() + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) {
      std::error_code ec;
      std::filesystem::remove(temp, ec);
      throw ModelFileError(file.string() + ": cannot write");
    }
  }
  std::filesystem::rename(temp, file);
}

}  // namespace efgnn::runtime
