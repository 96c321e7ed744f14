#include "model/InteractionGnn.hpp"

#include <algorithm>

#include "ops/MessagePassing.hpp"
#include "ops/Recompute.hpp"

namespace efgnn {

InteractionGnnBase::InteractionGnnBase(ModelConfig config) : EdgeClassifierModel(std::move(config)) {
  config_.validate();
  const int h = config_.hidden;
  const QuantConfig& q = config_.quant;
  // Input features have very different ranges (r in metres, dphi in milliradians): one scale
  // per feature, so that one wide feature does not flatten the others.
  node_input_quant_ = ActivationQuantizer(
      ActivationQuantOptions{q.input_bits, /*is_signed=*/true, q.learnedScales(), config_.node_features});
  edge_input_quant_ = ActivationQuantizer(
      ActivationQuantOptions{q.input_bits, /*is_signed=*/true, q.learnedScales(), std::max(config_.edge_features, 1)});
  if (q.input_bits) {
    register_module("node_input_quant", node_input_quant_);
    if (config_.edge_features > 0) register_module("edge_input_quant", edge_input_quant_);
  }
  MlpOptions node = hiddenMlp(config_.nb_node_layer);
  node.input = config_.node_features;
  node.features_input = true;
  node_encoder_ = register_module("node_encoder", Mlp(node));
  if (config_.edge_features > 0) {
    MlpOptions edge = hiddenMlp(config_.nb_edge_layer);
    edge.input = config_.edge_features;
    edge.features_input = true;
    edge_encoder_ = register_module("edge_encoder", Mlp(edge));
  } else {
    pair_encoder_ = register_module("edge_encoder", EdgeMlp(0, h, hiddenMlp(config_.nb_edge_layer)));
  }
}

void InteractionGnnBase::addNetworks(int edge_width, int node_width, int node_input) {
  const int n_edge = config_.edge_net_recurrent ? 1 : config_.n_graph_iters;
  const int n_node = config_.node_net_recurrent ? 1 : config_.n_graph_iters;
  for (int i = 0; i < n_edge; ++i)
    edge_networks_.push_back(register_module("edge_network" + std::to_string(i),
                                             EdgeMlp(edge_width, node_width, hiddenMlp(config_.nb_edge_layer))));
  for (int i = 0; i < n_node; ++i) {
    MlpOptions o = hiddenMlp(config_.nb_node_layer);
    o.input = node_input;
    node_networks_.push_back(register_module("node_network" + std::to_string(i), Mlp(o)));
  }
}

MlpOptions InteractionGnnBase::hiddenMlp(int layers) const {
  MlpOptions o;
  o.sizes.assign(static_cast<std::size_t>(layers), config_.hidden);
  o.layernorm = config_.layernorm;
  o.batchnorm = config_.batchnorm;
  o.track_running_stats = config_.track_running_stats;
  o.activation = config_.hidden_activation;
  o.activate_last = true;
  o.norm_last = config_.output_norm;
  o.last_activation = config_.output_activation;
  o.quant = config_.quant;
  return o;
}

InteractionGnnBase::State InteractionGnnBase::encode(const torch::Tensor& x, const torch::Tensor& src,
                                                       const torch::Tensor& dst, const torch::Tensor& edge_attr) {
  State out;
  out.x = node_encoder_->forward(node_input_quant_->forward(x), InputGrids::perColumn(node_input_quant_->scale()));
  out.x_scale = node_encoder_->outputScale();
  if (config_.edge_features > 0) {
    out.e = edge_encoder_->forward(edge_input_quant_->forward(edge_attr),
                                   InputGrids::perColumn(edge_input_quant_->scale()));
    out.e_scale = edge_encoder_->outputScale();
  } else {
    out.e = pair_encoder_->forward({}, {}, out.x, InputGrids::of(out.x.size(1), out.x_scale), src, dst);
    out.e_scale = pair_encoder_->outputScale();
  }
  return out;
}

torch::Tensor InteractionGnnBase::finerScale(const torch::Tensor& a, const torch::Tensor& b) {
  if (!a.defined() || !b.defined()) return {};
  return torch::minimum(a, b);
}

torch::Tensor InteractionGnnBase::aggregate(const torch::Tensor& e, const torch::Tensor& src,
                                            const torch::Tensor& dst, std::int64_t num_nodes) const {
  return messageSums(e, src, dst, num_nodes, config_.in_out_diff_agg);
}

InteractionGnn2::InteractionGnn2(ModelConfig config) : InteractionGnnBase(std::move(config)) {
  const int h = config_.hidden;
  const int state = config_.concat ? 2 * h : h;  // width of x and e entering an iteration
  const int messages = config_.in_out_diff_agg ? 2 * h : h;
  addNetworks(state, state, messages + state);
  MlpOptions decoder = hiddenMlp(config_.nb_edge_layer);
  decoder.input = h;
  edge_decoder_ = register_module("edge_decoder", Mlp(decoder));
  MlpOptions output = hiddenMlp(1);
  output.input = h;
  output.sizes = {h, 1};
  output.activate_last = false;
  output_ = register_module("output", Mlp(output));
}

InteractionGnnBase::State InteractionGnnBase::iterated(const State& state, const State& initial,
                                                       const StateUpdate& update) {
  if (!config_.checkpointing || !is_training()) return update(state, initial);
  // Recomputed in the backward pass: its activations are not kept. The states and their grids'
  // scales go in and out as tensors, so that gradients reach everything they came from.
  const Stage stage = [update](const torch::autograd::variable_list& in) {
    const State s = update({in[0], in[1], in[2], in[3]}, {in[4], in[5], in[6], in[7]});
    return torch::autograd::variable_list{s.x, s.e, s.x_scale, s.e_scale};
  };
  const auto out = recomputed(stage, {state.x, state.e, state.x_scale, state.e_scale, initial.x, initial.e,
                                      initial.x_scale, initial.e_scale});
  return {out[0], out[1], out[2], out[3]};
}

torch::Tensor InteractionGnn2::forward(const torch::Tensor& x_in, const torch::Tensor& edge_index,
                                       const torch::Tensor& edge_attr) {
  const auto src = edge_index[0], dst = edge_index[1];
  const State initial = encode(x_in, src, dst, edge_attr);
  State state = initial;
  for (int i = 0; i < config_.n_graph_iters; ++i)
    state = iterated(state, initial, [this, i, src, dst](const State& s, const State& s0) {
      InputGrids x_grids = InputGrids::of(s.x.size(1), s.x_scale), e_grids = InputGrids::of(s.e.size(1), s.e_scale);
      torch::Tensor x = s.x, e = s.e;
      if (config_.concat) {
        x = torch::cat({x, s0.x}, 1);
        e = torch::cat({e, s0.e}, 1);
        x_grids = x_grids.then(InputGrids::of(s0.x.size(1), s0.x_scale));
        e_grids = e_grids.then(InputGrids::of(s0.e.size(1), s0.e_scale));
      }
      auto& edge_net = pick(edge_networks_, i);
      State out;
      out.e = edge_net->forward(e, e_grids, x, x_grids, src, dst);
      out.e_scale = edge_net->outputScale();
      auto& node_net = pick(node_networks_, i);
      // The sums of edge codes into a node lie on the edges' grid.
      const auto messages = aggregate(out.e, src, dst, x.size(0));
      out.x = node_net->forward(torch::cat({messages, x}, 1),
                                InputGrids::of(messages.size(1), out.e_scale).then(x_grids));
      out.x_scale = node_net->outputScale();
      return out;
    });
  const auto decoded = edge_decoder_->forward(state.e, InputGrids::of(state.e.size(1), state.e_scale));
  return output_->forward(decoded, InputGrids::of(decoded.size(1), edge_decoder_->outputScale())).squeeze(-1);
}

InteractionGnn::InteractionGnn(ModelConfig config) : InteractionGnnBase(std::move(config)) {
  const int h = config_.hidden;
  const int messages = config_.in_out_diff_agg ? 2 * h : h;
  addNetworks(h, h, h + messages);
  MlpOptions output = hiddenMlp(config_.nb_edge_layer);
  output.sizes.push_back(1);
  output.activate_last = false;
  output_ = register_module("output", EdgeMlp(h, h, output));
}

torch::Tensor InteractionGnn::forward(const torch::Tensor& x_in, const torch::Tensor& edge_index,
                                      const torch::Tensor& edge_attr) {
  const auto src = edge_index[0], dst = edge_index[1];
  State state = encode(x_in, src, dst, edge_attr);
  // Residual sums leave the grids (the runtime does not run this flavour); the finer of the two
  // operands' grids stands for the sum, for the biases.
  for (int i = 0; i < config_.n_graph_iters; ++i)
    state = iterated(state, {}, [this, i, src, dst](const State& s, const State&) {
      auto& node_net = pick(node_networks_, i);
      State out;
      out.x = s.x + node_net->forward(torch::cat({s.x, aggregate(s.e, src, dst, s.x.size(0))}, 1),
                                      InputGrids::offGrid(finerScale(s.x_scale, s.e_scale)));
      out.x_scale = finerScale(s.x_scale, node_net->outputScale());
      auto& edge_net = pick(edge_networks_, i);
      out.e = s.e + edge_net->forward(s.e, InputGrids::offGrid(s.e_scale), out.x, InputGrids::offGrid(out.x_scale),
                                      src, dst);
      out.e_scale = finerScale(s.e_scale, edge_net->outputScale());
      return out;
    });
  return output_->forward(state.e, InputGrids::offGrid(state.e_scale), state.x, InputGrids::offGrid(state.x_scale), src,
                          dst)
      .squeeze(-1);
}

std::shared_ptr<EdgeClassifierModel> makeModel(const ModelConfig& config) {
  if (config.model == "InteractionGNN") return std::make_shared<InteractionGnn>(config);
  return std::make_shared<InteractionGnn2>(config);
}

std::vector<NamedLinear> linearLayers(torch::nn::Module& model) {
  std::vector<NamedLinear> out;
  for (const auto& item : model.named_modules())
    if (auto linear = std::dynamic_pointer_cast<QuantLinearImpl>(item.value())) out.push_back({item.key(), QuantLinear(linear)});
  return out;
}

void applyMasks(torch::nn::Module& model) {
  for (auto& l : linearLayers(model)) l.layer->applyMask();
}

std::int64_t parameterCount(const torch::nn::Module& model) {
  std::int64_t n = 0;
  for (const auto& p : model.parameters()) n += p.numel();
  return n;
}

std::vector<ParameterInfo> parameterTable(const torch::nn::Module& model) {
  std::vector<ParameterInfo> out;
  for (const auto& item : model.named_parameters())
    out.push_back({item.key(), item.value().sizes().vec(), item.value().numel()});
  return out;
}

}  // namespace efgnn
