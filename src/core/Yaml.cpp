#include "core/Yaml.hpp"

#include <cmath>

#include "core/AtomicFile.hpp"

namespace efgnn {

YamlNode YamlNode::parse(const std::string& text, const std::string& source) {
  try {
    return YamlNode(YAML::Load(text), "", std::make_shared<const std::string>(source));
  } catch (const YAML::Exception& e) {
    throw inputError(source, e.mark.is_null() ? 0 : e.mark.line + 1, "invalid YAML: " + e.msg);
  }
}

YamlNode YamlNode::parseFile(const std::string& path) { return parse(readFile(path), path); }

std::string YamlNode::childPath(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

Error YamlNode::error(const std::string& what) const {
  const auto mark = node_.Mark();
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
  if (!node_.IsMap()) return out;
  for (const auto& kv : node_) out.push_back(kv.first.as<std::string>());
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
