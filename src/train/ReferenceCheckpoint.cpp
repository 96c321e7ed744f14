#include "train/ReferenceCheckpoint.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "core/Error.hpp"
#include "graph/Features.hpp"
#include "io/TorchFile.hpp"
#include "model/InteractionGnn.hpp"
#include "model/Mlp.hpp"

namespace efgnn {
namespace {

using pickle::Value;

/// The checkpoint's hyper-parameters, read with the reference's defaults where it has them.
class HyperParameters {
 public:
  HyperParameters(const Value& v, std::string where) : v_(v), where_(std::move(where)) {}

  const Value* find(const std::string& key) const {
    const pickle::Ref* r = v_.find(key);
    return r && *r && (*r)->kind != Value::Kind::None ? r->get() : nullptr;
  }
  bool has(const std::string& key) const { return v_.find(key) != nullptr; }
  bool flag(const std::string& key, bool otherwise) const {
    const Value* v = find(key);
    if (!v) return otherwise;
    if (v->kind == Value::Kind::Bool) return v->boolean;
    if (v->kind == Value::Kind::Int) return v->integer != 0;
    throw Error(where_ + ": hyper-parameter '" + key + "': expected True or False, got " + v->describe());
  }
  bool required(const std::string& key) const {
    if (!has(key)) throw Error(where_ + ": hyper-parameter '" + key + "' is missing");
    return flag(key, false);
  }
  /// A string, or "None" for Python's None; `otherwise` when absent.
  std::string text(const std::string& key, const std::string& otherwise) const {
    if (!has(key)) return otherwise;
    const Value* v = find(key);
    if (!v) return "None";
    if (v->kind != Value::Kind::String)
      throw Error(where_ + ": hyper-parameter '" + key + "': expected a string, got " + v->describe());
    return v->text;
  }
  int integer(const std::string& key, int otherwise) const {
    const Value* v = find(key);
    if (!v) return otherwise;
    if (v->kind != Value::Kind::Int) throw Error(where_ + ": hyper-parameter '" + key + "': expected an integer, got " + v->describe());
    return static_cast<int>(v->integer);
  }
  std::vector<std::string> names(const std::string& key) const {
    std::vector<std::string> out;
    const Value* v = find(key);
    if (!v) return out;
    if (v->kind != Value::Kind::List && v->kind != Value::Kind::Tuple)
      throw Error(where_ + ": hyper-parameter '" + key + "': expected a list of feature names, got " + v->describe());
    for (const auto& item : v->items) {
      if (item->kind != Value::Kind::String)
        throw Error(where_ + ": hyper-parameter '" + key + "': expected names, got " + item->describe());
      out.push_back(item->text);
    }
    return out;
  }
  std::vector<double> numbers(const std::string& key) const {
    std::vector<double> out;
    const Value* v = find(key);
    if (!v || (v->kind != Value::Kind::List && v->kind != Value::Kind::Tuple)) return out;
    for (const auto& item : v->items)
      out.push_back(item->kind == Value::Kind::Int ? static_cast<double>(item->integer) : item->number);
    return out;
  }

 private:
  const Value& v_;
  std::string where_;
};

/// One module of an nn.Sequential: its tensors by name ("weight", "bias", ...).
struct Module {
  std::map<std::string, const Value*> tensors;
  /// A Linear layer: a 2-D weight (a BatchNorm's is 1-D).
  bool linear() const {
    const auto w = tensors.find("weight");
    if (w == tensors.end()) return false;
    const Value* t = w->second;
    if (t->className() != "torch._utils._rebuild_tensor_v2" && !t->items.empty()) t = t->items.front().get();
    return t->items.size() >= 3 && t->items[2]->items.size() == 2;
  }
};
/// The reference's nn.Sequential blocks by name ("edge_network.3"), their modules by index.
using Blocks = std::map<std::string, std::map<int, Module>>;

bool isIndex(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string shapeText(const std::vector<std::int64_t>& sizes) {
  std::string s = "[";
  for (std::size_t i = 0; i < sizes.size(); ++i) s += (i ? ", " : "") + std::to_string(sizes[i]);
  return s + "]";
}

int linearCount(const std::map<int, Module>& block) {
  int n = 0;
  for (const auto& [i, m] : block) n += m.linear();
  return n;
}

}  // namespace

ImportedCheckpoint importReferenceCheckpoint(const std::filesystem::path& file) {
  const TorchFile torch_file = TorchFile::read(file);
  const std::string where = file.string();
  const Value& root = *torch_file.root();
  if (!root.isDictLike()) throw Error(where + ": expected a dict (a Lightning checkpoint), got " + root.describe());
  const pickle::Ref* state = root.find("state_dict");
  const pickle::Ref* hparams = root.find("hyper_parameters");
  if (!state || !(*state)->isDictLike())
    throw Error(where + ": no state_dict: a PyTorch Lightning checkpoint holds state_dict and hyper_parameters");
  if (!hparams || !(*hparams)->isDictLike())
    throw Error(where + ": no hyper_parameters: the model's settings (hidden, n_graph_iters, ...) are read from them");
  const HyperParameters hp(**hparams, where);

  // Tensors by key; a common prefix before the model's own names ("model.") is dropped.
  std::vector<std::pair<std::string, const Value*>> entries;
  for (const auto& [k, v] : (*state)->entries) {
    if (k->kind != Value::Kind::String) throw Error(where + ": state_dict key " + k->describe() + " is not a string");
    if (!TorchFile::isTensor(*v)) throw Error(where + ": state_dict['" + k->text + "'] is " + v->describe() + ", not a tensor");
    entries.emplace_back(k->text, v.get());
  }
  std::string prefix;
  for (const auto& [k, v] : entries)
    if (const auto at = k.find("node_encoder."); at != std::string::npos) {
      prefix = k.substr(0, at);
      break;
    }
  Blocks blocks;
  for (const auto& [key, v] : entries) {
    if (key.compare(0, prefix.size(), prefix) != 0)
      throw Error(where + ": state_dict key '" + key + "' is outside the model ('" + prefix + "...')");
    const std::string name = key.substr(prefix.size());
    const auto last = name.rfind('.');
    const auto before = last == std::string::npos ? std::string::npos : name.rfind('.', last - 1);
    if (before == std::string::npos || !isIndex(name.substr(before + 1, last - before - 1)))
      throw Error(where + ": state_dict key '" + key +
                  "' is not a layer of an nn.Sequential (BLOCK.INDEX.TENSOR): not an InteractionGNN2 of the reference");
    blocks[name.substr(0, before)][std::stoi(name.substr(before + 1, last - before - 1))]
        .tensors[name.substr(last + 1)] = v;
  }
  const auto block = [&](const std::string& name) -> const std::map<int, Module>& {
    const auto it = blocks.find(name);
    if (it == blocks.end()) throw Error(where + ": state_dict has no " + prefix + name + ".*: not an InteractionGNN2 of the reference");
    return it->second;
  };

  // The architecture, from the hyper-parameters, checked against the weights below.
  ModelConfig c;
  const std::string model = hp.text("model", "InteractionGNN2");
  if (model != "InteractionGNN2")
    throw Error(where + ": model '" + model + "': the reference's InteractionGNN2 checkpoints are imported");
  c.node_feature_names = hp.names("node_features");
  c.edge_feature_names = hp.names("edge_features");
  if (c.node_feature_names.empty()) throw Error(where + ": hyper-parameter 'node_features' is missing or empty");
  c.node_features = static_cast<int>(c.node_feature_names.size());
  c.edge_features = static_cast<int>(c.edge_feature_names.size());
  c.hidden = hp.integer("hidden", 0);
  if (c.hidden <= 0) throw Error(where + ": hyper-parameter 'hidden' is missing");
  c.n_graph_iters = hp.integer("n_graph_iters", 0);
  if (c.n_graph_iters <= 0) throw Error(where + ": hyper-parameter 'n_graph_iters' is missing");
  c.layernorm = hp.flag("layernorm", false);
  c.batchnorm = hp.flag("batchnorm", false);
  c.track_running_stats = c.batchnorm && (hp.flag("track_running_stats", false) || hp.flag("bn_track_running_stats", false));
  c.hidden_activation = hp.text("hidden_activation", "ReLU");
  c.output_activation = hp.text("output_activation", "None");
  // make_mlp ends a block with LayerNorm only on request (InteractionGNN2 never asks), with
  // BatchNorm on output_batch_norm, and with either only when it ends with an activation.
  c.output_norm = c.batchnorm && hp.flag("output_batch_norm", false) && c.output_activation != "None";
  c.concat = hp.required("concat");
  c.in_out_diff_agg = hp.required("in_out_diff_agg");
  c.node_net_recurrent = blocks.count("node_network") > 0;
  c.edge_net_recurrent = blocks.count("edge_network") > 0;
  if (hp.has("node_net_recurrent") && hp.flag("node_net_recurrent", false) != c.node_net_recurrent)
    throw Error(where + ": node_net_recurrent is " + (c.node_net_recurrent ? "False" : "True") + " but the weights are " +
                (c.node_net_recurrent ? "one node_network" : "one node_network per iteration"));
  if (hp.has("edge_net_recurrent") && hp.flag("edge_net_recurrent", false) != c.edge_net_recurrent)
    throw Error(where + ": edge_net_recurrent disagrees with the weights' edge_network blocks");
  if (hp.flag("undirected", false))
    throw Error(where + ": undirected: the reference then scores both directions of every edge and averages them; "
                "efgnn's models score directed graphs");
  const std::string final_activation = hp.text("edge_output_transform_final_activation", "None");
  if (final_activation != "None")
    throw Error(where + ": edge_output_transform_final_activation '" + final_activation +
                "': efgnn's models give logits (the final activation None)");
  // The layer counts, from the weights: efgnn takes one count for the node MLPs and one for the
  // edge MLPs (encoder, networks, decoder).
  c.nb_node_layer = linearCount(block("node_encoder"));
  c.nb_edge_layer = linearCount(block("edge_encoder"));
  const auto sameCount = [&](const std::string& name, int expected, const char* what) {
    const int n = linearCount(block(name));
    if (n != expected)
      throw Error(where + ": " + name + " has " + std::to_string(n) + " Linear layers but " + what + " has " +
                  std::to_string(expected) + ": efgnn's models take one count for " + what + " and these");
  };
  std::vector<std::pair<std::string, std::string>> mapping;  // reference block -> efgnn prefix
  mapping.emplace_back("node_encoder", "node_encoder");
  mapping.emplace_back("edge_encoder", c.edge_features > 0 ? "edge_encoder" : "edge_encoder.mlp");
  for (int i = 0; i < (c.edge_net_recurrent ? 1 : c.n_graph_iters); ++i) {
    const std::string name = c.edge_net_recurrent ? "edge_network" : "edge_network." + std::to_string(i);
    sameCount(name, c.nb_edge_layer, "the edge encoder");
    mapping.emplace_back(name, "edge_network" + std::to_string(i) + ".mlp");
  }
  for (int i = 0; i < (c.node_net_recurrent ? 1 : c.n_graph_iters); ++i) {
    const std::string name = c.node_net_recurrent ? "node_network" : "node_network." + std::to_string(i);
    sameCount(name, c.nb_node_layer, "the node encoder");
    mapping.emplace_back(name, "node_network" + std::to_string(i));
  }
  sameCount("edge_decoder", c.nb_edge_layer, "the edge encoder");
  mapping.emplace_back("edge_decoder", "edge_decoder");
  if (linearCount(block("edge_output_transform")) != 2)
    throw Error(where + ": edge_output_transform should have 2 Linear layers (hidden, 1)");
  mapping.emplace_back("edge_output_transform", "output");
  for (const auto& [name, modules] : blocks)
    if (std::none_of(mapping.begin(), mapping.end(), [&](const auto& m) { return m.first == name; }))
      throw Error(where + ": state_dict has " + prefix + name + ".*, which the model its hyper-parameters describe " +
                  "lacks (n_graph_iters " + std::to_string(c.n_graph_iters) + ")");
  try {
    c.validate();
  } catch (const Error& e) {
    throw Error(where + ": the hyper-parameters give an invalid model: " + e.what());
  }

  ImportedCheckpoint out;
  out.config = c;
  out.model = makeModel(c);
  out.model->eval();
  std::map<std::string, torch::Tensor> targets;
  for (const auto& p : out.model->named_parameters()) targets[p.key()] = p.value();
  for (const auto& b : out.model->named_buffers()) targets[b.key()] = b.value();
  std::set<std::string> assigned;
  torch::NoGradGuard no_grad;
  const auto copy = [&](const Value& v, const std::string& reference_key, const std::string& target) {
    const auto it = targets.find(target);
    if (it == targets.end())
      throw Error(where + ": " + reference_key + " has no counterpart in the model its hyper-parameters describe (" +
                  target + ")");
    const TorchTensor t = torch_file.tensor(v, "state_dict['" + reference_key + "']");
    const auto values = torch::from_blob(const_cast<float*>(t.values.data()), {static_cast<std::int64_t>(t.values.size())},
                                         torch::kFloat32);
    const std::vector<std::int64_t>& sizes = t.sizes;
    if (it->second.sizes().vec() != sizes)
      throw Error(where + ": " + reference_key + " has shape " + shapeText(sizes) + " but " + target + " of the model " +
                  "its hyper-parameters describe has " + shapeText(it->second.sizes().vec()));
    it->second.copy_(values.view(sizes).to(it->second.dtype()));
    assigned.insert(target);
    ++out.tensors;
  };
  for (const auto& [reference, target] : mapping) {
    int linear = -1;
    for (const auto& [index, m] : block(reference)) {
      const std::string key = prefix + reference + "." + std::to_string(index) + ".";
      if (m.linear()) {
        ++linear;
        for (const auto& [name, v] : m.tensors) {
          if (name != "weight" && name != "bias") throw Error(where + ": " + key + name + ": a Linear layer holds weight and bias");
          copy(*v, key + name, target + ".linear" + std::to_string(linear) + "." + name);
        }
      } else {
        if (linear < 0) throw Error(where + ": " + key + "*: a norm before the first Linear layer");
        for (const auto& [name, v] : m.tensors)
          copy(*v, key + name, target + ".norm" + std::to_string(linear) + "." + name);
      }
    }
  }
  for (const auto& p : out.model->named_parameters())
    if (!assigned.count(p.key()))
      throw Error(where + ": the checkpoint has no weights for " + p.key() +
                  " of the model its hyper-parameters describe (a norm or layer the weights lack?)");

  // The inputs: efgnn's graphs scale r, phi, z, eta as the reference's defaults do.
  const std::vector<double> scales = hp.numbers("node_scales");
  const FeatureScales ours;
  const std::map<std::string, double> efgnn_scale{{"r", ours.r}, {"phi", ours.phi}, {"z", ours.z}, {"eta", ours.eta}};
  for (std::size_t i = 0; i < scales.size() && i < c.node_feature_names.size(); ++i) {
    const auto it = efgnn_scale.find(c.node_feature_names[i]);
    if (it != efgnn_scale.end() && std::abs(scales[i] - it->second) > 1e-6 * it->second)
      out.notes.push_back("node_scales: " + c.node_feature_names[i] + " is divided by " + std::to_string(scales[i]) +
                          " in the reference but by " + std::to_string(it->second) +
                          " in efgnn's graphs: scores on efgnn graphs will differ from the reference's");
  }
  return out;
}

}  // namespace efgnn
