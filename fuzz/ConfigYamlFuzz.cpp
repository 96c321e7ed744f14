// libFuzzer target: YAML configuration (core/Yaml) and the model keys of training configs
// (model/ModelConfig, quant/QuantConfig: plain C++, compiled in without LibTorch). Every
// scalar of the document is read as each type; the keys that are not model keys are passed as
// another component's, so that the values of the model keys get checked.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "FuzzUtil.hpp"
#include "core/Yaml.hpp"
#include "model/ModelConfig.hpp"

namespace {

/// Runs `f`; efgnn::Error, expected for most types of most scalars, goes unreported.
template <class F>
void quietly(F&& f) {
  try {
    f();
  } catch (const efgnn::Error&) {
  }
}

void walk(const efgnn::YamlNode& node, int depth) {
  if (depth > 64) return;
  if (node.isMap()) {
    for (const auto& key : node.keys()) quietly([&] { walk(node[key], depth + 1); });
  } else if (node.isSequence()) {
    for (std::size_t i = 0; i < node.size(); ++i) quietly([&] { walk(node.at(i), depth + 1); });
    quietly([&] { node.asDoubles(); });
  } else {
    quietly([&] { node.asDouble(); });
    quietly([&] { node.asInt(); });
    quietly([&] { node.asBool(); });
    quietly([&] { node.asString(); });
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(efgnn::fuzz::text(data, size));
  std::optional<efgnn::ModelConfig> config;
  efgnn::fuzz::rejectsCleanly([&] {
    const auto root = efgnn::YamlNode::parse(text, "config.yaml");
    walk(root, 0);
    if (!root.isMap()) return;
    std::vector<std::string> others;
    const auto& model_keys = efgnn::ModelConfig::keys();
    for (const auto& key : root.keys())
      if (std::find(model_keys.begin(), model_keys.end(), key) == model_keys.end()) others.push_back(key);
    config = efgnn::ModelConfig::fromYaml(root, others);
  });
  // What is written reads back.
  if (config) efgnn::ModelConfig::fromYaml(efgnn::YamlNode::parse(config->toYaml(), "config.yaml (written back)"));
  return 0;
}
