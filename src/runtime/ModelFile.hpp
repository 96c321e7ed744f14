#pragma once
// The efgnn model file: what the runtime needs to run an edge classifier, without LibTorch.
//
// Layout (little-endian):
//   magic "EFGNNMDL" | u32 format version | u64 payload size | u32 CRC-32 of the payload | payload
// payload:
//   u32 number of settings, then per setting: string key, string value   (architecture)
//   u32 number of arrays, then per array: string name, u8 type, u8 rank, u64 dims[rank], data
// strings are u32 length + bytes. Array types: f32, i32, u8, i8 (see ArrayType); data is
// dims-product elements, packed.
//
// Float models ("weights" = "float") hold per Linear layer NAME.weight [out, in] (pruned weights
// as zeros) and NAME.bias [out]. Integer models ("weights" = "integer", quantization-aware
// trained) hold the integers of the weights in a sparse layout, NAME.weight_nonzero (i32,
// row-major positions o * in + k of the non-zero weights, ascending) and NAME.weight_codes (i8),
// their scale NAME.weight_scale ([1] or [out] per channel), the bias as the trained model adds
// it (NAME.bias, f32), and the scale of every activation grid by the quantizer's name
// (QUANTIZER.scale: node_input_quant / edge_input_quant one per feature, PREFIX.norm_quantK and
// PREFIX.act_quantK one each); settings weight_bits, activation_bits, input_bits, norm_bits.
//
// Reading checks everything before it is used: magic, version (a newer file is refused, naming
// both versions), sizes against the bytes present, the checksum, every length and dimension,
// unique names; a corrupt or truncated file gives a ModelFileError naming the file and what is
// wrong, never a crash.
#ifdef EFGNN_LANES_BEGUN
#error "runtime/Lanes.hpp must come after every other include: what follows it is compiled for one instruction set"
#endif
#include <cstdint>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace efgnn::runtime {

// Version 2 added integer (quantized) models and the i8 array type; version 1 files still load.
inline constexpr std::uint32_t kModelFileVersion = 2;

class ModelFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class ArrayType : std::uint8_t { F32 = 0, I32 = 1, U8 = 2, I8 = 3 };

/// A named n-dimensional array; the values live in the member of its type.
struct NamedArray {
  std::string name;
  ArrayType type = ArrayType::F32;
  std::vector<std::uint64_t> dims;
  std::vector<float> f32;
  std::vector<std::int32_t> i32;
  std::vector<std::uint8_t> u8;
  std::vector<std::int8_t> i8;
  std::uint64_t size() const;  // product of dims (1 for rank 0)
};

struct ModelFile {
  std::map<std::string, std::string> settings;
  std::vector<NamedArray> arrays;

  /// The array called `name`, or nullptr.
  const NamedArray* find(const std::string& name) const;
  /// The setting `key`; throws ModelFileError naming `source` when it is missing.
  const std::string& setting(const std::string& key, const std::string& source) const;
  /// A setting that lists names (the model's input features), comma-separated; none if absent.
  std::vector<std::string> names(const std::string& key) const;
  void setNames(const std::string& key, const std::vector<std::string>& names);

  std::string serialize() const;
  /// `source` names the bytes in messages (a file name).
  static ModelFile parse(const std::string& bytes, const std::string& source);
  static ModelFile read(const std::filesystem::path& file);
  /// Written to a temporary file and renamed into place (as core's writeFileAtomically, which
  /// the runtime cannot use: it links no other efgnn library).
  void write(const std::filesystem::path& file) const;
};

/// The architecture a model file describes (its settings, checked): an InteractionGNN2 with float
/// or integer weights.
struct Architecture {
  /// Bit widths of an integer model (0 in a float model). Integer models quantize the inputs,
  /// every hidden activation and the weights; norm_bits may be 0 (LayerNorm outputs in float).
  struct Quantization {
    int weight_bits = 0, activation_bits = 0, input_bits = 0, norm_bits = 0;
  } quant;
  bool integer() const { return quant.weight_bits > 0; }
  int hidden = 0, iterations = 0, node_features = 0, edge_features = 0, node_layers = 0, edge_layers = 0;
  bool layernorm = true, batchnorm = false, concat = true, in_out_diff_agg = true, node_net_recurrent = false,
       edge_net_recurrent = false;
  std::string activation = "ReLU";
  // How the hidden MLPs end (model/ModelConfig.hpp): settings absent from older files, which
  // ended them with the norm and `activation`.
  bool output_norm = true;
  std::string output_activation = "ReLU";  // or "None"
  // batchnorm: BatchNorm on each graph's own statistics (the model file holds its scale and
  // shift, "P.normK.weight" and ".bias"); float models only. BatchNorm with running statistics is
  // folded into the Linear layers at export and leaves no trace here.
  float batchnorm_eps = 0;
  /// Throws ModelFileError naming `source` and the setting that is missing or wrong.
  static Architecture of(const ModelFile& file, const std::string& source);
  /// Writes the settings of(): the model, float or integer weights, the sizes and options (and
  /// the bit widths of an integer model).
  void writeTo(ModelFile& file) const;
  int stateWidth() const { return concat ? 2 * hidden : hidden; }
  int messageWidth() const { return in_out_diff_agg ? 2 * hidden : hidden; }
  int edgeNetworks() const { return edge_net_recurrent ? 1 : iterations; }
  int nodeNetworks() const { return node_net_recurrent ? 1 : iterations; }
};

/// CRC-32 (IEEE 802.3, as zlib's crc32).
std::uint32_t crc32(const void* data, std::size_t size);

}  // namespace efgnn::runtime
