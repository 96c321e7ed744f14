#pragma once
// Configuration structs whose keys are read from YAML and printed back: one table of fields
// per struct, each naming a member, instead of a reader and a printer per key.
#include <algorithm>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/Yaml.hpp"

namespace efgnn {

template <class Config>
struct ConfigField {
  const char* name;
  std::function<void(Config&, const YamlNode&)> read;
  std::function<std::string(const Config&)> print;
};

/// A YAML value as a bool, string, integer or floating point; an integer outside T's range is
/// refused, naming the field.
template <class T>
T readValue(const YamlNode& n) {
  if constexpr (std::is_same_v<T, bool>) return n.asBool();
  else if constexpr (std::is_same_v<T, std::string>) return n.asString();
  else if constexpr (std::is_floating_point_v<T>) return static_cast<T>(n.asDouble());
  else {
    // A value beyond the member's type would wrap (hidden: 5000000000 -> 705032704).
    const long long v = n.asInt();
    if (std::cmp_less(v, std::numeric_limits<T>::min()) || std::cmp_greater(v, std::numeric_limits<T>::max()))
      throw n.error("value " + std::to_string(v) + " out of range [" + std::to_string(+std::numeric_limits<T>::min()) +
                    ", " + std::to_string(+std::numeric_limits<T>::max()) + "]");
    return static_cast<T>(v);
  }
}

/// A field for a member of type bool, string, integer or floating point.
template <class Config, class T>
ConfigField<Config> configField(const char* name, T Config::*member) {
  return {name,
          [member](Config& c, const YamlNode& n) { c.*member = readValue<T>(n); },
          [member](const Config& c) {
            std::ostringstream out;
            if constexpr (std::is_same_v<T, bool>) {
              out << (c.*member ? "true" : "false");
            } else if constexpr (std::is_same_v<T, std::string>) {
              // Quoted: empty strings and values such as "@run" stay strings when read back.
              out << '\'';
              for (const char ch : c.*member) out << (ch == '\'' ? "''" : std::string(1, ch));
              out << '\'';
            } else {
              out << c.*member;
            }
            return out.str();
          }};
}

template <class Config>
const ConfigField<Config>* findConfigField(const std::vector<ConfigField<Config>>& fields, const std::string& key) {
  const auto it = std::find_if(fields.begin(), fields.end(), [&](const auto& f) { return key == f.name; });
  return it == fields.end() ? nullptr : &*it;
}

/// A field of a nested struct, seen as a key of the outer one (flat YAML with grouped members).
template <class Outer, class Inner>
ConfigField<Outer> nestedField(Inner Outer::*member, const ConfigField<Inner>& field) {
  return {field.name, [member, read = field.read](Outer& c, const YamlNode& n) { read(c.*member, n); },
          [member, print = field.print](const Outer& c) { return print(c.*member); }};
}

template <class Config>
std::vector<std::string> configKeys(const std::vector<ConfigField<Config>>& fields) {
  std::vector<std::string> out;
  for (const auto& f : fields) out.push_back(f.name);
  return out;
}

/// Reads the keys of `node` that are fields; other keys are left to the caller.
template <class Config>
void readConfigFields(Config& config, const std::vector<ConfigField<Config>>& fields, const YamlNode& node) {
  for (const auto& key : node.keys())
    if (const auto* f = findConfigField(fields, key)) f->read(config, node[key]);
}

/// The fields as "key: value" lines (YAML).
template <class Config>
std::string printConfigFields(const Config& config, const std::vector<ConfigField<Config>>& fields) {
  std::string out;
  for (const auto& f : fields) out += std::string(f.name) + ": " + f.print(config) + "\n";
  return out;
}

/// What changed between two configs printed as "key: value" lines (toYaml of the structs
/// above): one "key: old -> new" line per difference, empty when they agree. Values compare
/// without their quotes. With `only_common_keys`, keys missing on either side are not
/// differences (a file written by an older efgnn lacks newer keys). Used to refuse resuming a
/// run whose settings changed.
std::string configChanges(const std::string& before, const std::string& after, bool only_common_keys = false);

/// The valid key closest to `key` (edit distance), for "did you mean" messages.
std::string closestKey(const std::string& key, const std::vector<std::string>& valid);

}  // namespace efgnn
