#include "runtime/EdgeClassifier.hpp"

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "runtime/IntegerKernels.hpp"
#include "runtime/Kernels.hpp"
#include "runtime/Tiles.hpp"

namespace efgnn::runtime {
namespace {

/// The layers of one MLP, read by name ("PREFIX.linearK.weight" [out, in], ".bias" [out]).
/// `batchnorm_eps` > 0: with BatchNorm on batch statistics ("PREFIX.normK.weight", ".bias").
Mlp readMlp(const ModelFile& f, const std::string& source, const std::string& prefix, int input,
            const std::vector<int>& sizes, const MlpShape& shape, float batchnorm_eps = 0) {
  Mlp m;
  m.shape = shape;
  m.last_shape = shape.lastLayer();
  int width = input;
  for (std::size_t k = 0; k < sizes.size(); ++k) {
    const std::string name = prefix + ".linear" + std::to_string(k);
    const NamedArray* w = f.find(name + ".weight");
    const NamedArray* b = f.find(name + ".bias");
    if (!w || !b) throw ModelFileError(source + ": missing " + name + ".weight or .bias");
    const std::vector<std::uint64_t> wd{static_cast<std::uint64_t>(sizes[k]), static_cast<std::uint64_t>(width)};
    if (w->type != ArrayType::F32 || w->dims != wd || b->type != ArrayType::F32 ||
        b->dims != std::vector<std::uint64_t>{wd[0]})
      throw ModelFileError(source + ": " + name + ": expected float32 weight [" + std::to_string(sizes[k]) + ", " +
                           std::to_string(width) + "] and bias [" + std::to_string(sizes[k]) + "]");
    m.layers.push_back(DenseLayer::fromRowMajor(w->f32.data(), sizes[k], width, b->f32.data()));
    width = sizes[k];
  }
  if (batchnorm_eps > 0) {
    m.batchnorms.resize(sizes.size());
    for (std::size_t k = 0; k < sizes.size(); ++k) {
      const bool last = k + 1 == sizes.size();
      if (last && !(shape.activate_last && shape.norm_last)) continue;
      const std::string name = prefix + ".norm" + std::to_string(k);
      const NamedArray* w = f.find(name + ".weight");
      const NamedArray* b = f.find(name + ".bias");
      const std::vector<std::uint64_t> dims{static_cast<std::uint64_t>(sizes[k])};
      if (!w || !b || w->type != ArrayType::F32 || b->type != ArrayType::F32 || w->dims != dims || b->dims != dims)
        throw ModelFileError(source + ": missing " + name + ".weight or .bias (float32 [" + std::to_string(sizes[k]) +
                             "]) of a BatchNorm model");
      m.batchnorms[k] = {w->f32, b->f32, batchnorm_eps};
    }
  }
  return m;
}

/// Reads an integer MLP: layer k's inputs are the segments given for k = 0, then the previous
/// layer's activation codes. The grids are those of PREFIX.norm_quantK / PREFIX.act_quantK.
class IntegerReader {
 public:
  IntegerReader(const ModelFile& f, const std::string& source, const Architecture& a, bool dense)
      : f_(f), source_(source), arch_(a), dense_(dense) {}

  IntegerMlp mlp(const std::string& prefix, std::vector<InputSegment> segments, const std::vector<int>& sizes,
                 const MlpShape& shape) const {
    IntegerMlp m;
    m.shape = shape;
    for (std::size_t k = 0; k < sizes.size(); ++k) {
      const std::string index = std::to_string(k);
      const std::string name = prefix + ".linear" + index;
      int in = 0;
      for (const auto& s : segments) in += s.width;
      const NamedArray& positions = array(name + ".weight_nonzero", ArrayType::I32);
      const NamedArray& codes = array(name + ".weight_codes", ArrayType::I8);
      const NamedArray& scale = array(name + ".weight_scale", ArrayType::F32);
      const NamedArray& bias = array(name + ".bias", ArrayType::F32);
      try {
        m.layers.push_back(
            IntegerLayer::build(in, sizes[k], segments, positions.i32, codes.i8, scale.f32, bias.f32, dense_, k == 0));
      } catch (const std::invalid_argument& e) {
        throw ModelFileError(source_ + ": " + name + " (" + std::to_string(sizes[k]) + " x " + std::to_string(in) +
                             "): " + e.what());
      }
      IntegerLayer& layer = m.layers.back();
      const bool last = k + 1 == sizes.size();
      const bool finished = !last || shape.activate_last;
      layer.layernorm = shape.layernorm && finished && (!last || shape.norm_last);
      if (layer.layernorm && arch_.quant.norm_bits) {
        layer.norm_scale = this->scale(prefix + ".norm_quant" + index);
        layer.norm_max = (1 << (arch_.quant.norm_bits - 1)) - 1;
      }
      if (finished) {
        layer.act_scale = this->scale(prefix + ".act_quant" + index);
        layer.act_max = (1 << arch_.quant.activation_bits) - 1;
      }
      if (k > 0) layer.allowShortSums(m.layers[k - 1].act_max);
      segments = {{sizes[k], layer.act_scale}};
    }
    return m;
  }

  /// An encoder on input features: one segment per feature, quantized on the way in.
  IntegerMlp encoder(const std::string& prefix, const std::string& quantizer, int features,
                     const std::vector<int>& sizes, const MlpShape& shape) const {
    const NamedArray& scales = array(quantizer + ".scale", ArrayType::F32);
    if (scales.f32.size() != static_cast<std::size_t>(features))
      throw ModelFileError(source_ + ": " + quantizer + ".scale: expected one scale per feature (" +
                           std::to_string(features) + ")");
    std::vector<InputSegment> segments;
    for (const float s : scales.f32) segments.push_back({1, positive(s, quantizer + ".scale")});
    IntegerMlp m = mlp(prefix, segments, sizes, shape);
    m.input_scale = scales.f32;
    m.input_max = (1 << (arch_.quant.input_bits - 1)) - 1;
    return m;
  }

  /// The scale of a quantizer with one scale.
  float scale(const std::string& quantizer) const {
    const NamedArray& a = array(quantizer + ".scale", ArrayType::F32);
    if (a.f32.size() != 1) throw ModelFileError(source_ + ": " + quantizer + ".scale: expected one value");
    return positive(a.f32[0], quantizer + ".scale");
  }

 private:
  const NamedArray& array(const std::string& name, ArrayType type) const {
    const NamedArray* a = f_.find(name);
    if (!a || a->type != type) throw ModelFileError(source_ + ": missing " + name + " (or of the wrong type)");
    return *a;
  }
  float positive(float v, const std::string& name) const {
    if (!(v > 0) || !std::isfinite(v))
      throw ModelFileError(source_ + ": " + name + ": scales must be positive and finite");
    return v;
  }
  const ModelFile& f_;
  const std::string& source_;
  const Architecture& arch_;
  bool dense_;
};

/// The networks of an InteractionGNN2 (REFERENCE.md section 2) with float or integer kernels.
template <class MlpT, class EdgeMlpT>
struct Networks {
  MlpT node_encoder, edge_encoder;  // edge_encoder: on edge features
  EdgeMlpT pair_encoder;            // without edge features: on [x_src, x_dst]
  std::vector<EdgeMlpT> edge_networks;
  std::vector<MlpT> node_networks;
  MlpT edge_decoder, output;
  /// The networks of iteration i (one for all iterations when recurrent).
  const EdgeMlpT& edgeNetwork(int i) const { return edge_networks[edge_networks.size() == 1 ? 0 : i]; }
  const MlpT& nodeNetwork(int i) const { return node_networks[node_networks.size() == 1 ? 0 : i]; }
};

Networks<Mlp, EdgeMlp> readFloat(const ModelFile& f, const std::string& source, const Architecture& a,
                                 const MlpShape& shape) {
  Networks<Mlp, EdgeMlp> n;
  const int h = a.hidden;
  const std::vector<int> node_sizes(a.node_layers, h), edge_sizes(a.edge_layers, h);
  n.node_encoder = readMlp(f, source, "node_encoder", a.node_features, node_sizes, shape, a.batchnorm_eps);
  if (a.edge_features > 0)
    n.edge_encoder = readMlp(f, source, "edge_encoder", a.edge_features, edge_sizes, shape, a.batchnorm_eps);
  else
    n.pair_encoder = EdgeMlp::of(0, h, readMlp(f, source, "edge_encoder.mlp", 2 * h, edge_sizes, shape, a.batchnorm_eps));
  const int state = a.stateWidth(), messages = a.messageWidth();
  for (int i = 0; i < a.edgeNetworks(); ++i)
    n.edge_networks.push_back(EdgeMlp::of(
        state, state, readMlp(f, source, "edge_network" + std::to_string(i) + ".mlp", 3 * state, edge_sizes, shape, a.batchnorm_eps)));
  for (int i = 0; i < a.nodeNetworks(); ++i)
    n.node_networks.push_back(
        readMlp(f, source, "node_network" + std::to_string(i), messages + state, node_sizes, shape, a.batchnorm_eps));
  n.edge_decoder = readMlp(f, source, "edge_decoder", h, edge_sizes, shape, a.batchnorm_eps);
  MlpShape output_shape = shape;
  output_shape.activate_last = false;
  n.output = readMlp(f, source, "output", h, {h, 1}, output_shape, a.batchnorm_eps);
  return n;
}

/// Integer networks know the scales of their inputs, which change from iteration to iteration
/// (each reads the codes of the previous networks' grids), so a recurrent network is read once
/// per iteration.
Networks<IntegerMlp, IntegerEdgeMlp> readInteger(const ModelFile& f, const std::string& source, const Architecture& a,
                                                 const MlpShape& shape, bool dense) {
  const IntegerReader read(f, source, a, dense);
  Networks<IntegerMlp, IntegerEdgeMlp> n;
  const int h = a.hidden;
  const std::vector<int> node_sizes(a.node_layers, h), edge_sizes(a.edge_layers, h);
  const auto output_scale = [](const IntegerMlp& m) { return m.layers.back().act_scale; };
  n.node_encoder = read.encoder("node_encoder", "node_input_quant", a.node_features, node_sizes, shape);
  const float x0 = output_scale(n.node_encoder);
  float e0 = 0;
  if (a.edge_features > 0) {
    n.edge_encoder = read.encoder("edge_encoder", "edge_input_quant", a.edge_features, edge_sizes, shape);
    e0 = output_scale(n.edge_encoder);
  } else {
    n.pair_encoder = IntegerEdgeMlp{0, h, 1, read.mlp("edge_encoder.mlp", {{h, x0}, {h, x0}}, edge_sizes, shape)};
    e0 = output_scale(n.pair_encoder.mlp);
  }
  // A state's segments: [current, initial] with concat.
  const auto state = [&](float current, float initial) {
    return a.concat ? std::vector<InputSegment>{{h, current}, {h, initial}} : std::vector<InputSegment>{{h, current}};
  };
  float x_scale = x0, e_scale = e0;
  for (int i = 0; i < a.iterations; ++i) {
    const std::string edge_name = "edge_network" + std::to_string(a.edge_net_recurrent ? 0 : i) + ".mlp";
    std::vector<InputSegment> edge_in = state(e_scale, e0), node_state = state(x_scale, x0);
    edge_in.insert(edge_in.end(), node_state.begin(), node_state.end());
    edge_in.insert(edge_in.end(), node_state.begin(), node_state.end());
    const auto segments = static_cast<int>(node_state.size());
    n.edge_networks.push_back(
        IntegerEdgeMlp{a.stateWidth(), a.stateWidth(), segments, read.mlp(edge_name, edge_in, edge_sizes, shape)});
    e_scale = output_scale(n.edge_networks.back().mlp);
    std::vector<InputSegment> node_in{{a.messageWidth(), e_scale}};
    node_in.insert(node_in.end(), node_state.begin(), node_state.end());
    const std::string node_name = "node_network" + std::to_string(a.node_net_recurrent ? 0 : i);
    n.node_networks.push_back(read.mlp(node_name, node_in, node_sizes, shape));
    x_scale = output_scale(n.node_networks.back());
  }
  n.edge_decoder = read.mlp("edge_decoder", {{h, e_scale}}, edge_sizes, shape);
  MlpShape output_shape = shape;
  output_shape.activate_last = false;
  n.output = read.mlp("output", {{h, output_scale(n.edge_decoder)}}, {h, 1}, output_shape);
  return n;
}

}  // namespace

struct EdgeClassifier::Network {
  Architecture arch;
  Networks<Mlp, EdgeMlp> floats;                  // float models
  Networks<IntegerMlp, IntegerEdgeMlp> integers;  // integer models
};

EdgeClassifier::EdgeClassifier(const ModelFile& f, const std::string& source, Config config)
    : net_(std::make_unique<Network>()), config_(config) {
  config_.isa = resolve(config.isa);  // once: a set this CPU lacks is refused here
  Network& n = *net_;
  n.arch = Architecture::of(f, source);
  MlpShape shape;
  shape.layernorm = n.arch.layernorm;
  shape.activation = activationOf(n.arch.activation, source);
  shape.norm_last = n.arch.output_norm;
  shape.last_activation = activationOf(n.arch.output_activation, source);
  if (n.arch.integer())
    n.integers = readInteger(f, source, n.arch, shape, !config.sparse_weights);
  else
    n.floats = readFloat(f, source, n.arch, shape);
}

EdgeClassifier EdgeClassifier::load(const std::filesystem::path& file, Config config) {
  return EdgeClassifier(ModelFile::read(file), file.string(), config);
}

EdgeClassifier::~EdgeClassifier() = default;
EdgeClassifier::EdgeClassifier(EdgeClassifier&&) noexcept = default;
EdgeClassifier& EdgeClassifier::operator=(EdgeClassifier&&) noexcept = default;

bool EdgeClassifier::integer() const { return net_->arch.integer(); }
std::size_t EdgeClassifier::nodeFeatures() const { return static_cast<std::size_t>(net_->arch.node_features); }
std::size_t EdgeClassifier::edgeFeatures() const { return static_cast<std::size_t>(net_->arch.edge_features); }

namespace {

void validate(const GraphInput& g, std::size_t node_features, std::size_t edge_features) {
  if (g.node_features != node_features)
    throw InputError("node features: " + std::to_string(g.node_features) + " per node, the model takes " +
                     std::to_string(node_features));
  if (g.num_edges > 0 && edge_features > 0 && (g.edge_attr == nullptr || g.edge_features != edge_features))
    throw InputError("edge features: " + std::to_string(g.edge_attr ? g.edge_features : 0) +
                     " per edge, the model takes " + std::to_string(edge_features));
  if (g.num_nodes > 0 && g.x == nullptr)
    throw InputError("node features: no data for " + std::to_string(g.num_nodes) + " nodes");
  if (g.num_edges > 0 && g.edge_index == nullptr) throw InputError("edge_index: no data");
  for (std::size_t i = 0; i < g.num_nodes * g.node_features; ++i)
    if (!std::isfinite(g.x[i]))
      throw InputError("node " + std::to_string(i / g.node_features) + ", feature " +
                       std::to_string(i % g.node_features) + ": not a finite number");
  if (edge_features > 0)
    for (std::size_t i = 0; i < g.num_edges * edge_features; ++i)
      if (!std::isfinite(g.edge_attr[i]))
        throw InputError("edge " + std::to_string(i / edge_features) + ", feature " +
                         std::to_string(i % edge_features) + ": not a finite number");
  for (std::size_t k = 0; k < 2 * g.num_edges; ++k) {
    const std::int64_t v = g.edge_index[k];
    if (v < 0 || static_cast<std::uint64_t>(v) >= g.num_nodes)
      throw InputError("edge_index[" + std::to_string(k / g.num_edges) + "][" + std::to_string(k % g.num_edges) +
                       "] = " + std::to_string(v) + ": not a node of a graph of " + std::to_string(g.num_nodes) +
                       " nodes");
  }
}

/// The forward pass, the same for float and integer networks (the kernels differ): with
/// integer networks the states hold activation codes and the sums over edges sums of codes.
template <class MlpT, class EdgeMlpT>
std::vector<float> forward(const Networks<MlpT, EdgeMlpT>& n, const Architecture& a, const GraphInput& g,
                           const Execution& exec) {
  const std::size_t N = g.num_nodes, E = g.num_edges, h = static_cast<std::size_t>(a.hidden);
  const EdgeList edges(g.edge_index, E, N);

  // Encoders. With concat the state is [current, initial]: both live in one row so the
  // networks read it without copying. The node networks sum the edge messages they read tile by
  // tile, so the sums are never stored.
  const auto state = static_cast<std::size_t>(a.stateWidth());
  // Working arrays stay with the calling thread between events (each thread its own, so events
  // may run in parallel): new pages for every event cost more than the arithmetic on them.
  // States are floats, or the activation codes of integer networks as bytes (a quarter of the
  // memory traffic).
  using State = std::conditional_t<std::is_same_v<MlpT, IntegerMlp>, std::uint8_t, float>;
  thread_local detail::Buffer node_buffer, edge_buffer, decoded_buffer;
  State* const x = node_buffer.get<State>(N * state);
  State* const e = edge_buffer.get<State>(E * state);
  runMlp(n.node_encoder, g.x, N, g.node_features, x, state, exec);
  if (a.edge_features > 0)
    runMlp(n.edge_encoder, g.edge_attr, E, g.edge_features, e, state, exec);
  else
    runEdgeMlp(n.pair_encoder, nullptr, 0, x, state, edges, e, state, exec);
  if (a.concat) {  // the initial encodings into the second half, where they stay
    copyColumns(x, N, h, state, x + h, state, exec);
    copyColumns(e, E, h, state, e + h, state, exec);
  }
  const NodeMessages<State> messages{e, h, state, a.in_out_diff_agg};
  for (int i = 0; i < a.iterations; ++i) {
    // In place: the new edge state replaces the current one (the first h columns of e), and
    // the new node state the current one.
    runEdgeMlp(n.edgeNetwork(i), e, state, x, state, edges, e, state, exec);
    runNodeMlp(n.nodeNetwork(i), messages, edges, x, state, exec);
  }
  State* const decoded = decoded_buffer.get<State>(E * h);
  std::vector<float> out(E);
  runMlp(n.edge_decoder, e, E, state, decoded, h, exec);
  runMlp(n.output, decoded, E, h, out.data(), 1, exec);
  return out;
}

}  // namespace

std::vector<float> EdgeClassifier::logits(const GraphInput& g) const {
  const Network& n = *net_;
  validate(g, nodeFeatures(), edgeFeatures());
  if (g.num_edges == 0) return {};
  const Execution exec{config_.threads, config_.edge_tile, config_.isa};
  return n.arch.integer() ? forward(n.integers, n.arch, g, exec) : forward(n.floats, n.arch, g, exec);
}

std::vector<float> EdgeClassifier::scores(const GraphInput& graph) const {
  std::vector<float> s = logits(graph);
  for (auto& v : s) v = 1.0f / (1.0f + std::exp(-v));
  return s;
}

namespace {

/// Multiplications per row by the weights of inputs [begin, end) of a layer.
double multiplies(const DenseLayer& l, int begin, int end) { return static_cast<double>(end - begin) * l.out; }
double multiplies(const IntegerLayer& l, int begin, int end) {
  return static_cast<double>(
      std::count_if(l.columns.begin(), l.columns.end(), [&](std::uint16_t c) { return c >= begin && c < end; }));
}

template <class MlpT>
double multiplies(const MlpT& m) {
  double s = 0;
  for (const auto& l : m.layers) s += multiplies(l, 0, l.in);
  return s;
}

template <class MlpT, class EdgeMlpT>
double multiplyAddsOf(const Networks<MlpT, EdgeMlpT>& n, const Architecture& a, double N, double E) {
  double total = N * multiplies(n.node_encoder) + (a.edge_features > 0 ? E * multiplies(n.edge_encoder) : 0);
  const auto edge_network = [&](const EdgeMlpT& en) {
    if constexpr (std::is_same_v<EdgeMlpT, IntegerEdgeMlp>) {
      return E * multiplies(en.mlp);  // integer kernels: every layer per edge
    } else {
      const auto& first = en.mlp.layers.front();
      // Float kernels: the first layer's edge part per edge, its node parts per node (gathered).
      return E * (multiplies(en.mlp) - multiplies(first, en.edge_width, first.in)) +
             N * multiplies(first, en.edge_width, first.in);
    }
  };
  if (a.edge_features == 0) total += edge_network(n.pair_encoder);
  for (int i = 0; i < a.iterations; ++i) total += edge_network(n.edgeNetwork(i)) + N * multiplies(n.nodeNetwork(i));
  return total + E * (multiplies(n.edge_decoder) + multiplies(n.output));
}

}  // namespace

double EdgeClassifier::multiplyAdds(std::size_t num_nodes, std::size_t num_edges) const {
  const Network& n = *net_;
  const auto N = static_cast<double>(num_nodes), E = static_cast<double>(num_edges);
  return n.arch.integer() ? multiplyAddsOf(n.integers, n.arch, N, E) : multiplyAddsOf(n.floats, n.arch, N, E);
}

}  // namespace efgnn::runtime
