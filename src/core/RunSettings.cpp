#include "core/RunSettings.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <map>

#include "core/AtomicFile.hpp"

#include "core/Yaml.hpp"

namespace efgnn {

namespace {

/// Top-level values as text: scalars as written, lists and maps in YAML flow style.
std::map<std::string, std::string> flatten(const std::string& text, const std::string& source) {
  const YamlNode root = YamlNode::parse(text, source);  // JSON is YAML
  if (!root.isMap()) throw root.error("expected a JSON object");
  std::map<std::string, std::string> out;
  for (const auto& key : root.keys()) {
    const YAML::Node node = root[key].raw();  // a copy: root[key] is a temporary
    if (node.IsScalar()) {
      out[key] = node.Scalar();
    } else {
      YAML::Emitter e;
      e << YAML::Flow << node;
      out[key] = e.c_str();
    }
  }
  return out;
}

}  // namespace

std::string settingsChanges(const std::string& before, const std::string& after, const std::string& source,
                            const std::vector<std::string>& ignore) {
  return settingsChanges(flatten(before, source), flatten(after, "the new settings"), ignore);
}

std::string settingsChanges(const std::map<std::string, std::string>& a, const std::map<std::string, std::string>& b,
                            const std::vector<std::string>& ignore) {
  const auto ignored = [&](const std::string& key) {
    return std::find(ignore.begin(), ignore.end(), key) != ignore.end();
  };
  std::string changes;
  for (const auto& [key, value] : a) {
    if (ignored(key)) continue;
    const auto it = b.find(key);
    if (it == b.end()) changes += "  " + key + ": " + value + " -> (not set)\n";
    else if (it->second != value) changes += "  " + key + ": " + value + " -> " + it->second + "\n";
  }
  for (const auto& [key, value] : b)
    if (!ignored(key) && !a.count(key)) changes += "  " + key + ": (not recorded) -> " + value + "\n";
  return changes;
}

std::string fileFingerprint(const std::filesystem::path& file) {
  const std::string bytes = readFile(file);
  std::uint64_t hash = 0xcbf29ce484222325ull;
  for (const unsigned char c : bytes) hash = (hash ^ c) * 0x100000001b3ull;
  char text[64];
  std::snprintf(text, sizeof text, " bytes, fnv1a %016" PRIx64, hash);
  return std::to_string(bytes.size()) + text;
}

}  // namespace efgnn
