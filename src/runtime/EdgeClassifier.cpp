#include "runtime/EdgeClassifier.hpp"

#include <algorithm>
#include <cmath>

#include "runtime/Kernels.hpp"

namespace efgnn::runtime {
namespace {

/// The layers of one MLP, read by name ("PREFIX.linearK.weight" [out, in], ".bias" [out]).
Mlp readMlp(const ModelFile& f, const std::string& source, const std::string& prefix, int input,
            const std::vector<int>& sizes, const MlpShape& shape) {
  Mlp m;
  m.shape = shape;
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
  return m;
}

}  // namespace

/// An InteractionGNN2 (REFERENCE.md section 2) in the runtime's layout.
struct EdgeClassifier::Network {
  Architecture arch;
  Mlp node_encoder, edge_encoder;  // edge_encoder: on edge features
  EdgeMlp pair_encoder;            // without edge features: on [x_src, x_dst]
  std::vector<EdgeMlp> edge_networks;
  std::vector<Mlp> node_networks;
  Mlp edge_decoder, output;
  /// The networks of iteration i (one for all iterations when recurrent).
  const EdgeMlp& edgeNetwork(int i) const { return edge_networks[edge_networks.size() == 1 ? 0 : i]; }
  const Mlp& nodeNetwork(int i) const { return node_networks[node_networks.size() == 1 ? 0 : i]; }
};

EdgeClassifier::EdgeClassifier(const ModelFile& f, const std::string& source, Config config)
    : net_(std::make_unique<Network>()), config_(config) {
  Network& n = *net_;
  n.arch = Architecture::of(f, source);
  const Architecture& a = n.arch;
  MlpShape shape;
  shape.layernorm = a.layernorm;
  shape.activation = activationOf(a.activation, source);
  const int h = a.hidden;
  const std::vector<int> node_sizes(a.node_layers, h), edge_sizes(a.edge_layers, h);

  n.node_encoder = readMlp(f, source, "node_encoder", a.node_features, node_sizes, shape);
  if (a.edge_features > 0) {
    n.edge_encoder = readMlp(f, source, "edge_encoder", a.edge_features, edge_sizes, shape);
  } else {
    n.pair_encoder = EdgeMlp{0, h, readMlp(f, source, "edge_encoder.mlp", 2 * h, edge_sizes, shape)};
  }
  const int state = a.stateWidth(), messages = a.messageWidth();
  for (int i = 0; i < a.edgeNetworks(); ++i)
    n.edge_networks.push_back(EdgeMlp{
        state, state, readMlp(f, source, "edge_network" + std::to_string(i) + ".mlp", 3 * state, edge_sizes, shape)});
  for (int i = 0; i < a.nodeNetworks(); ++i)
    n.node_networks.push_back(
        readMlp(f, source, "node_network" + std::to_string(i), messages + state, node_sizes, shape));
  n.edge_decoder = readMlp(f, source, "edge_decoder", h, edge_sizes, shape);
  MlpShape output_shape = shape;
  output_shape.activate_last = false;
  n.output = readMlp(f, source, "output", h, {h, 1}, output_shape);
}

EdgeClassifier EdgeClassifier::load(const std::filesystem::path& file, Config config) {
  return EdgeClassifier(ModelFile::read(file), file.string(), config);
}

EdgeClassifier::~EdgeClassifier() = default;
EdgeClassifier::EdgeClassifier(EdgeClassifier&&) noexcept = default;
EdgeClassifier& EdgeClassifier::operator=(EdgeClassifier&&) noexcept = default;

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
  if (g.num_nodes > 0 && g.x == nullptr) throw InputError("node features: no data for " + std::to_string(g.num_nodes) + " nodes");
  if (g.num_edges > 0 && g.edge_index == nullptr) throw InputError("edge_index: no data");
  for (std::size_t i = 0; i < g.num_nodes * g.node_features; ++i)
    if (!std::isfinite(g.x[i]))
      throw InputError("node " + std::to_string(i / g.node_features) + ", feature " +
                       std::to_string(i % g.node_features) + ": not a finite number");
  if (edge_features > 0)
    for (std::size_t i = 0; i < g.num_edges * edge_features; ++i)
      if (!std::isfinite(g.edge_attr[i]))
        throw InputError("edge " + std::to_string(i / edge_features) + ", feature " + std::to_string(i % edge_features) +
                         ": not a finite number");
  for (std::size_t k = 0; k < 2 * g.num_edges; ++k) {
    const std::int64_t v = g.edge_index[k];
    if (v < 0 || static_cast<std::uint64_t>(v) >= g.num_nodes)
      throw InputError("edge_index[" + std::to_string(k / g.num_edges) + "][" + std::to_string(k % g.num_edges) +
                       "] = " + std::to_string(v) + ": not a node of a graph of " + std::to_string(g.num_nodes) +
                       " nodes");
  }
}

/// Arrays reused from event to event; grown, never shrunk, and fully overwritten before use.
struct Workspace {
  std::vector<float> arrays[4];
  std::vector<float>& get(int i, std::size_t size) {
    if (arrays[i].size() < size) arrays[i].resize(size);
    return arrays[i];
  }
};

}  // namespace

std::vector<float> EdgeClassifier::logits(const GraphInput& g) const {
  const Network& n = *net_;
  validate(g, nodeFeatures(), edgeFeatures());
  const Architecture& a = n.arch;
  const std::size_t N = g.num_nodes, E = g.num_edges, h = static_cast<std::size_t>(a.hidden);
  if (E == 0) return {};
  const Execution exec{config_.threads, config_.edge_tile};
  const EdgeList edges(g.edge_index, E, N);

  // Encoders. With concat the state is [current, initial]: both live in one [rows, 2h] array so
  // the networks read it without copying.
  const auto state = static_cast<std::size_t>(a.stateWidth());
  // Working arrays stay with the calling thread between events (each thread its own, so events
  // may run in parallel): new pages for every event cost more than the arithmetic on them.
  thread_local Workspace work;
  std::vector<float>& x = work.get(0, N * state);
  std::vector<float>& e = work.get(1, E * state);
  runMlp(n.node_encoder, g.x, N, g.node_features, x.data(), state, exec);
  if (a.edge_features > 0) runMlp(n.edge_encoder, g.edge_attr, E, g.edge_features, e.data(), state, exec);
  else runEdgeMlp(n.pair_encoder, nullptr, 0, x.data(), state, edges, e.data(), state, exec);
  if (a.concat) {  // the initial encodings into the second half, where they stay
    for (std::size_t r = 0; r < N; ++r) std::copy_n(x.data() + r * state, h, x.data() + r * state + h);
    for (std::size_t r = 0; r < E; ++r) std::copy_n(e.data() + r * state, h, e.data() + r * state + h);
  }
  const auto messages = static_cast<std::size_t>(a.messageWidth());
  std::vector<float>& node_input = work.get(2, N * (messages + state));
  for (int i = 0; i < a.iterations; ++i) {
    // In place: the new edge state replaces the current one (the first h columns of e).
    runEdgeMlp(n.edgeNetwork(i), e.data(), state, x.data(), state, edges, e.data(), state, exec);
    // Node input [sum in, sum out, x]: messages first, then the state.
    aggregate(e.data(), h, state, edges, a.in_out_diff_agg, node_input.data(), messages + state, exec);
    copyRows(x.data(), N, state, node_input.data() + messages, messages + state, exec);
    runMlp(n.nodeNetwork(i), node_input.data(), N, messages + state, x.data(), state, exec);
  }
  std::vector<float>& decoded = work.get(3, E * h);
  std::vector<float> out(E);
  runMlp(n.edge_decoder, e.data(), E, state, decoded.data(), h, exec);
  runMlp(n.output, decoded.data(), E, h, out.data(), 1, exec);
  return out;
}

std::vector<float> EdgeClassifier::scores(const GraphInput& graph) const {
  std::vector<float> s = logits(graph);
  for (auto& v : s) v = 1.0f / (1.0f + std::exp(-v));
  return s;
}

double EdgeClassifier::multiplyAdds(std::size_t num_nodes, std::size_t num_edges) const {
  const Network& n = *net_;
  const auto mlp = [](const Mlp& m) {
    double s = 0;
    for (const auto& l : m.layers) s += static_cast<double>(l.in) * l.out;
    return s;
  };
  const double N = static_cast<double>(num_nodes), E = static_cast<double>(num_edges);
  double total = N * mlp(n.node_encoder) + (n.arch.edge_features > 0 ? E * mlp(n.edge_encoder) : 0);
  for (int i = 0; i < n.arch.iterations; ++i) {
    const EdgeMlp& en = n.edgeNetwork(i);
    const DenseLayer& first = en.mlp.layers.front();
    // The first layer: edge part per edge, node parts per node (gathered, not recomputed).
    total += E * en.edge_width * first.out + N * 2.0 * en.node_width * first.out;
    total += E * (mlp(en.mlp) - static_cast<double>(first.in) * first.out);
    total += N * mlp(n.nodeNetwork(i));
  }
  return total + E * (mlp(n.edge_decoder) + mlp(n.output));
}

}  // namespace efgnn::runtime
