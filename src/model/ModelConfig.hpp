#pragma once
// Configuration of an Interaction-GNN edge classifier. Keys and defaults follow the reference
// pipeline's hyper-parameter names (REFERENCE.md section 2), so its YAML files can be used as
// they are; the default is the reference configuration (CTD 2023 model, ~2M parameters).
#include <string>
#include <vector>

#include "quant/QuantConfig.hpp"
#include "core/Yaml.hpp"

namespace efgnn {

struct ModelConfig {
  std::string model = "InteractionGNN2";  // or "InteractionGNN" (the older flavour)
  // Input widths. The YAML may give a number or, as the reference does, the list of feature
  // names; names are then checked against the graphs' features.
  int node_features = 4;                  // number of node features
  int edge_features = 6;                  // number of edge features; 0: encode [x_src, x_dst]
  std::vector<std::string> node_feature_names, edge_feature_names;
  int hidden = 128;
  int n_graph_iters = 8;
  int nb_node_layer = 3;                  // layers of the node encoder and node networks
  int nb_edge_layer = 3;                  // layers of the edge encoder, edge networks, decoder
  bool layernorm = true;                  // LayerNorm without affine parameters
  bool batchnorm = false;                 // BatchNorm1d (eps 6e-5 and affine, as the reference)
  bool track_running_stats = false;       // BatchNorm: running statistics in evaluation, else the
                                          // batch's (the graph's) statistics at inference too
  // The last layer of the hidden MLPs (encoders, networks, decoder). efgnn's own models end them
  // as every other layer: norm and hidden_activation. The reference's InteractionGNN2 ends them
  // with output_activation alone (no LayerNorm; BatchNorm only with its output_batch_norm).
  bool output_norm = true;
  std::string output_activation;          // "" (hidden_activation), ReLU, SiLU, Tanh or None
  std::string hidden_activation = "ReLU";  // ReLU, SiLU or Tanh
  bool node_net_recurrent = false;        // one node network shared by all iterations
  bool edge_net_recurrent = false;
  bool concat = true;                     // skip connections to the initial encodings
  bool in_out_diff_agg = true;            // separate sums over incoming and outgoing edges
  bool checkpointing = false;             // training: recompute each iteration's activations in the
                                          // backward pass instead of keeping them (memory of one)
  QuantConfig quant;                      // bit widths (keys weight_bits, activation_bits, ...)

  /// Reads the model keys of a YAML map. Other keys of the map are allowed only if listed in
  /// `other_keys` (a training config holds data and optimiser keys beside the model's); an
  /// unknown key is an error naming the closest valid key.
  static ModelConfig fromYaml(const YamlNode& node, const std::vector<std::string>& other_keys = {});
  /// Applies one "key=value" override (command line --set); throws Error for an unknown key or
  /// a value of the wrong type.
  void set(const std::string& assignment);
  /// Checks ranges (positive sizes, known activation); throws Error.
  void validate() const;
  std::string toYaml() const;
  /// The activation ending the hidden MLPs ("None" for none).
  const std::string& lastActivation() const { return output_activation.empty() ? hidden_activation : output_activation; }
  bool operator==(const ModelConfig&) const = default;

  static const std::vector<std::string>& keys();
};

}  // namespace efgnn
