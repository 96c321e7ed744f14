#include "model/ModelConfig.hpp"

#include <algorithm>

#include "core/ConfigFields.hpp"
#include "core/Error.hpp"

namespace efgnn {
namespace {

using Field = ConfigField<ModelConfig>;

/// A width given as a number or as a list of feature names.
Field features(const char* name, int ModelConfig::*width, std::vector<std::string> ModelConfig::*names) {
  return {name,
          [width, names](ModelConfig& c, const YamlNode& n) {
            (c.*names).clear();
            if (n.isSequence()) {
              for (std::size_t i = 0; i < n.size(); ++i) {
                // Names are written back unquoted (toYaml, checkpoints): identifiers only.
                const std::string name = n.at(i).asString();
                if (name.empty() || name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != std::string::npos)
                  throw n.at(i).error("expected a feature name (letters, digits, '_'), got '" + name + "'");
                (c.*names).push_back(name);
              }
              c.*width = static_cast<int>((c.*names).size());
            } else {
              c.*width = static_cast<int>(n.asInt());
            }
          },
          [width, names](const ModelConfig& c) {
            if ((c.*names).empty()) return std::to_string(c.*width);
            std::string list = "[";
            for (const auto& f : c.*names) list += (list.size() > 1 ? ", " : "") + f;
            return list + "]";
          }};
}

std::vector<Field> makeFields() {
  std::vector<Field> f{
      configField("model", &ModelConfig::model),
      features("node_features", &ModelConfig::node_features, &ModelConfig::node_feature_names),
      features("edge_features", &ModelConfig::edge_features, &ModelConfig::edge_feature_names),
      configField("hidden", &ModelConfig::hidden),
      configField("n_graph_iters", &ModelConfig::n_graph_iters),
      configField("nb_node_layer", &ModelConfig::nb_node_layer),
      configField("nb_edge_layer", &ModelConfig::nb_edge_layer),
      configField("layernorm", &ModelConfig::layernorm),
      configField("batchnorm", &ModelConfig::batchnorm),
      configField("track_running_stats", &ModelConfig::track_running_stats),
      configField("output_norm", &ModelConfig::output_norm),
      configField("output_activation", &ModelConfig::output_activation),
      configField("hidden_activation", &ModelConfig::hidden_activation),
      configField("node_net_recurrent", &ModelConfig::node_net_recurrent),
      configField("edge_net_recurrent", &ModelConfig::edge_net_recurrent),
      configField("concat", &ModelConfig::concat),
      configField("in_out_diff_agg", &ModelConfig::in_out_diff_agg),
      configField("checkpointing", &ModelConfig::checkpointing),
  };
  for (const auto& q : QuantConfig::fields()) f.push_back(nestedField(&ModelConfig::quant, q));
  return f;
}

const std::vector<Field>& fields() {
  static const std::vector<Field> f = makeFields();
  return f;
}

}  // namespace

const std::vector<std::string>& ModelConfig::keys() {
  static const std::vector<std::string> k = configKeys(fields());
  return k;
}

ModelConfig ModelConfig::fromYaml(const YamlNode& node, const std::vector<std::string>& other_keys) {
  ModelConfig c;
  std::vector<std::string> valid = keys();
  valid.insert(valid.end(), other_keys.begin(), other_keys.end());
  for (const auto& key : node.keys()) {
    if (const Field* f = findConfigField(fields(), key)) {
      f->read(c, node[key]);
    } else if (std::find(other_keys.begin(), other_keys.end(), key) == other_keys.end()) {
      throw node[key].error("unknown key '" + key + "' (did you mean '" + closestKey(key, valid) + "'?)");
    }
  }
  c.validate();
  return c;
}

void ModelConfig::set(const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) throw Error("--set '" + assignment + "': expected key=value");
  const std::string key = assignment.substr(0, eq);
  const Field* f = findConfigField(fields(), key);
  if (!f) throw Error("--set: unknown model key '" + key + "' (did you mean '" + closestKey(key, keys()) + "'?)");
  const YamlNode value = YamlNode::parse(key + ": " + assignment.substr(eq + 1), "--set " + assignment);
  ModelConfig changed = *this;  // a rejected value leaves the config as it was
  f->read(changed, value[key]);
  changed.validate();
  *this = std::move(changed);
}

void ModelConfig::validate() const {
  // Upper limits: generous for this model family, but they stop a typo from asking LibTorch
  // for an absurd allocation (bad_alloc, or a c10::Error deep in a forward pass). The reference
  // configuration is hidden 128, 8 iterations, 3 layers; published Interaction GNNs for
  // tracking stay below hidden 512 and 16 iterations. hidden 4096 already makes each layer a
  // 4096 x 4096 (or wider, with concat) matrix, ~200 MB of weights per iteration in float;
  // every iteration keeps its activations for backpropagation, so 64 iterations is far
  // beyond any useful depth. Feature widths are the columns of the graphs (a handful).
  const auto inRange = [](int v, int lo, int hi, const char* name) {
    if (v < lo || v > hi)
      throw Error(std::string("model: ") + name + " must be in [" + std::to_string(lo) + ", " +
                  std::to_string(hi) + "], got " + std::to_string(v));
  };
  inRange(node_features, 1, 1024, "node_features");
  inRange(edge_features, 0, 1024, "edge_features");
  inRange(hidden, 1, 4096, "hidden");
  inRange(n_graph_iters, 1, 64, "n_graph_iters");
  inRange(nb_node_layer, 1, 16, "nb_node_layer");
  inRange(nb_edge_layer, 1, 16, "nb_edge_layer");
  if (layernorm && batchnorm) throw Error("model: choose layernorm or batchnorm, not both");
  if (hidden_activation != "ReLU" && hidden_activation != "SiLU" && hidden_activation != "Tanh")
    throw Error("model: hidden_activation must be ReLU, SiLU or Tanh, got '" + hidden_activation + "'");
  if (!output_activation.empty() && output_activation != "None" && output_activation != "ReLU" &&
      output_activation != "SiLU" && output_activation != "Tanh")
    throw Error("model: output_activation must be ReLU, SiLU, Tanh or None (or empty: hidden_activation), got '" +
                output_activation + "'");
  if (track_running_stats && !batchnorm) throw Error("model: track_running_stats is a BatchNorm setting (batchnorm: false)");
  quant.validate();
  if ((quant.activation_bits || quant.norm_bits) && (hidden_activation != "ReLU" || lastActivation() != "ReLU"))
    throw Error("model: quantized activations need hidden_activation and output_activation ReLU (unsigned grid), got '" +
                hidden_activation + "' and '" + lastActivation() + "'");
  // A recurrent network's calibrated quantizer moves its scale at every iteration of a forward
  // pass; recomputed in the backward pass, every iteration would see the last one's scale.
  if (checkpointing && (node_net_recurrent || edge_net_recurrent) && (quant.activation_bits || quant.norm_bits) &&
      !quant.learnedScales())
    throw Error("model: checkpointing with recurrent networks needs activation_scaling learned when activations "
                "are quantized");
  if (model != "InteractionGNN2" && model != "InteractionGNN")
    throw Error("model: model must be InteractionGNN2 or InteractionGNN, got '" + model + "'");
}

std::string ModelConfig::toYaml() const { return printConfigFields(*this, fields()); }

}  // namespace efgnn
