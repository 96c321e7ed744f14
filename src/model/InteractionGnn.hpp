#pragma once
// Interaction GNNs (REFERENCE.md section 2).
//
// InteractionGNN2: encoders, then per iteration, with `concat`, x <- [x, x0], e <- [e, e0];
// edge update first, e' = EdgeNet([e, x_src, x_dst]); then node update with separate sums over
// incoming and outgoing edges, x' = NodeNet([sum_in e', sum_out e', x]); finally an edge
// decoder and an output MLP (h -> h -> 1).
//
// InteractionGNN (the older flavour): node update first from incoming/outgoing sums, residual
// connections on nodes and edges, no concatenation, output from [x_src, x_dst, e].
#include <functional>
#include <vector>

#include "model/EdgeClassifierModel.hpp"
#include "model/Mlp.hpp"

namespace efgnn {

/// The parts both flavours share: encoders and per-iteration networks.
class InteractionGnnBase : public EdgeClassifierModel {
 protected:
  explicit InteractionGnnBase(ModelConfig config);
  MlpOptions hiddenMlp(int layers) const;
  /// Node and edge states with the scales of their grids (undefined in float).
  struct State {
    torch::Tensor x, e, x_scale, e_scale;
  };
  State encode(const torch::Tensor& x, const torch::Tensor& src, const torch::Tensor& dst,
                 const torch::Tensor& edge_attr);
  /// The finer of two grids, for a layer reading both (its bias grid); undefined if either
  /// input is float.
  static torch::Tensor finerScale(const torch::Tensor& a, const torch::Tensor& b);
  /// Sums of edge messages into each node: [sum over incoming, sum over outgoing] (widths h, h)
  /// with in_out_diff_agg, else one sum over both (width h).
  torch::Tensor aggregate(const torch::Tensor& e, const torch::Tensor& src, const torch::Tensor& dst,
                          std::int64_t num_nodes) const;
  /// Creates the per-iteration networks (one of each with *_recurrent): edge networks over
  /// [e, x_src, x_dst] of widths (edge_width, node_width, node_width), node networks of input
  /// width node_input.
  void addNetworks(int edge_width, int node_width, int node_input);
  /// One message-passing iteration: the next state from the current one and the initial one.
  using StateUpdate = std::function<State(const State& state, const State& initial)>;
  /// update(state, initial), its activations recomputed in the backward pass with checkpointing
  /// (in training), else kept.
  State iterated(const State& state, const State& initial, const StateUpdate& update);
  /// The network of iteration i.
  template <class Net>
  Net& pick(std::vector<Net>& nets, int i) { return nets[nets.size() == 1 ? 0 : i]; }

  ActivationQuantizer node_input_quant_{nullptr}, edge_input_quant_{nullptr};  // identity without input_bits
  Mlp node_encoder_{nullptr}, edge_encoder_{nullptr};
  EdgeMlp pair_encoder_{nullptr};  // edge encoder on [x_src, x_dst] when there are no edge features
  std::vector<EdgeMlp> edge_networks_;
  std::vector<Mlp> node_networks_;
};

class InteractionGnn2 final : public InteractionGnnBase {
 public:
  explicit InteractionGnn2(ModelConfig config);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& edge_index,
                        const torch::Tensor& edge_attr) override;

 private:
  Mlp edge_decoder_{nullptr}, output_{nullptr};
};

class InteractionGnn final : public InteractionGnnBase {
 public:
  explicit InteractionGnn(ModelConfig config);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& edge_index,
                        const torch::Tensor& edge_attr) override;

 private:
  EdgeMlp output_{nullptr};
};

}  // namespace efgnn
