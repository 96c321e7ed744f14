#include "core/Yaml.hpp"

#include <cmath>
#include <set>

#include "core/AtomicFile.hpp"

namespace efgnn {

namespace {

/// yaml-cpp keeps both entries of a key given twice in a map, and operator[] returns the first:
/// a later value would be silently ignored. Checked once, over the whole document.
void rejectDuplicateKeys(const YAML::Node& node, const std::string& path, const std::string& source) {
  if (node.IsMap()) {
    std::set<std::string> seen;
    for (const auto& kv : node) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
      const std::string child = path.empty() ? key : path + "." + key;
      if (kv.first.IsScalar() && !seen.insert(key).second) {
        const auto mark = kv.first.Mark();
        throw inputError(source, mark.is_null() ? 0 : mark.line + 1,
                         "key '" + child + "' given twice (a later value would be ignored)");
      }
      rejectDuplicateKeys(kv.second, child, source);
    }
  } else if (node.IsSequence()) {
    for (std::size_t i = 0; i < node.size(); ++i)
      rejectDuplicateKeys(node[i], path + "[" + std::to_string(i) + "]", source);
  }
}

YAML::Node nodeOf(const Json& json) {
  return json.visit([&json](const auto& v) -> YAML::Node {
    using T = std::decay_t<decltype(v)>;
    if constexpr (std::is_same_v<T, std::nullptr_t>) {
      return YAML::Node(YAML::NodeType::Null);
    } else if constexpr (std::is_same_v<T, std::string>) {
      return YAML::Node(v);
    } else if constexpr (std::is_same_v<T, Json::Object>) {
      YAML::Node map(YAML::NodeType::Map);
      for (const auto& [key, value] : v) map[key] = nodeOf(value);
      return map;
    } else if constexpr (std::is_same_v<T, Json::Array>) {
      YAML::Node list(YAML::NodeType::Sequence);
      for (const auto& value : v) list.push_back(nodeOf(value));
      return list;
    } else {
      // Numbers and booleans as their JSON text, which is how a parsed document holds them
      // (a NaN is written as null).
      const std::string text = json.dump();
      return text == "null" ? YAML::Node(YAML::NodeType::Null) : YAML::Node(text);
    }
  });
}

}  // namespace

YamlNode YamlNode::of(const Json& json, const std::string& source) {
  return YamlNode(nodeOf(json), "", std::make_shared<const std::string>(source));
}

YamlNode YamlNode::parse(const std::string& text, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw inputError(source, e.mark.is_null() ? 0 : e.mark.line + 1, "invalid YAML: " + e.msg);
  }
  rejectDuplicateKeys(root, "", source);
  return YamlNode(root, "", std::make_shared<const std::string>(source));
}

YamlNode YamlNode::parseFile(const std::string& path) { return parse(readFile(path), path); }

std::string YamlNode::childPath(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

Error YamlNode::error(const std::string& what) const {
  // A child looked up by a key that yaml-cpp cannot find again (an empty key, read as "null")
  // is invalid, and Mark() would throw YAML::InvalidNode.
  const auto mark = node_.IsDefined() ? node_.Mark() : YAML::Mark::null_mark();
  const std::size_t line = mark.is_null() ? 0 : mark.line + 1;
  return inputError(*source_, line, (path_.empty() ? "" : "field '" + path_ + "': ") + what);
}

bool YamlNode::has(const std::string& key) const { return node_.IsMap() && node_[key]; }

YamlNode YamlNode::operator[](const std::string& key) const {
  if (!node_.IsMap()) throw error("expected a map with key '" + key + "'");
  const YAML::Node child = node_[key];
  if (!child) throw error("missing required field '" + childPath(key) + "'");
  return YamlNode(child, childPath(key), source_);
}

std::optional<YamlNode> YamlNode::optional(const std::string& key) const {
  if (!has(key)) return std::nullopt;
  return (*this)[key];
}

std::size_t YamlNode::size() const {
  if (!node_.IsSequence()) throw error("expected a list");
  return node_.size();
}

YamlNode YamlNode::at(std::size_t i) const {
  if (!node_.IsSequence() || i >= node_.size()) throw error("expected a list entry " + std::to_string(i));
  return YamlNode(node_[i], path_ + "[" + std::to_string(i) + "]", source_);
}

std::vector<std::string> YamlNode::keys() const {
  std::vector<std::string> out;
  // An empty document or value has no keys; a list or a scalar where keys are expected (a
  // config file that is a YAML list) is an error, not a config with every default.
  if (node_.IsNull() || !node_.IsDefined()) return out;
  if (!node_.IsMap())
    throw error(std::string("expected a map of 'key: value' entries, got a ") + (node_.IsSequence() ? "list" : "scalar '" + node_.Scalar() + "'"));
  for (const auto& kv : node_) {
    if (kv.first.IsMap() || kv.first.IsSequence())  // as<std::string>() would throw YAML::BadConversion
      throw error(std::string("expected text keys, got a ") + (kv.first.IsMap() ? "map" : "list") + " as a key");
    out.push_back(kv.first.as<std::string>());
  }
  return out;
}

double YamlNode::asDouble() const {
  try {
    const double v = node_.as<double>();
    if (!std::isfinite(v)) throw error("expected a finite number, got '" + node_.Scalar() + "'");
    return v;
  } catch (const YAML::Exception&) {
    throw error("expected a number, got '" + (node_.IsScalar() ? node_.Scalar() : "a " + std::string(node_.IsMap() ? "map" : "list")) + "'");
  }
}

long long YamlNode::asInt() const {
  try {
    return node_.as<long long>();
  } catch (const YAML::Exception&) {
    throw error("expected an integer, got '" + (node_.IsScalar() ? node_.Scalar() : "a non-scalar") + "'");
  }
}

bool YamlNode::asBool() const {
  try {
    return node_.as<bool>();
  } catch (const YAML::Exception&) {
    throw error("expected true or false, got '" + (node_.IsScalar() ? node_.Scalar() : "a non-scalar") + "'");
  }
}

std::string YamlNode::asString() const {
  if (!node_.IsScalar()) throw error("expected a string");
  return node_.Scalar();
}

std::vector<double> YamlNode::asDoubles() const {
  std::vector<double> out;
  for (std::size_t i = 0; i < size(); ++i) out.push_back(at(i).asDouble());
  return out;
}

double YamlNode::get(const std::string& key, double fallback) const {
  return has(key) ? (*this)[key].asDouble() : fallback;
}
long long YamlNode::get(const std::string& key, long long fallback) const {
  return has(key) ? (*this)[key].asInt() : fallback;
}
int YamlNode::get(const std::string& key, int fallback) const {
  return has(key) ? static_cast<int>((*this)[key].asInt()) : fallback;
}
bool YamlNode::get(const std::string& key, bool fallback) const {
  return has(key) ? (*this)[key].asBool() : fallback;
}
std::string YamlNode::get(const std::string& key, const std::string& fallback) const {
  return has(key) ? (*this)[key].asString() : fallback;
}

void YamlNode::allowOnly(std::initializer_list<const char*> allowed) const {
  if (!node_.IsMap()) throw error("expected a map");
  for (const auto& key : keys()) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || key == a;
    if (!ok) {
      std::string list;
      for (const char* a : allowed) list += std::string(list.empty() ? "" : ", ") + a;
      throw YamlNode(node_[key], childPath(key), source_)
          .error("unknown field '" + key + "' (allowed: " + list + ")");
    }
  }
}

}  // namespace efgnn
