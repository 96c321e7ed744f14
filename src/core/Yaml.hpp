#pragma once
// Reading YAML configuration with errors that name the file, line and field path
// ("trackml.yaml:12: field 'volumes[1].layers[0].radius': expected a number, got 'abc'"),
// and that reject unknown keys so a typo does not silently fall back to a default.
#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/Error.hpp"
#include "core/Json.hpp"

namespace efgnn {

class YamlNode {
 public:
  /// Parses `text`; `source` (a file name) is used in messages. Throws Error on syntax errors
  /// and on a key given twice in one map.
  static YamlNode parse(const std::string& text, const std::string& source);
  static YamlNode parseFile(const std::string& path);
  /// A document built in memory (a command's results), read as if parsed from its JSON text;
  /// `source` names it in messages.
  static YamlNode of(const Json& json, const std::string& source);

  bool has(const std::string& key) const;
  /// Required child; throws naming the missing field.
  YamlNode operator[](const std::string& key) const;
  std::optional<YamlNode> optional(const std::string& key) const;
  std::size_t size() const;
  YamlNode at(std::size_t i) const;
  /// Keys of a map; none for an empty value; throws for a list or a scalar.
  std::vector<std::string> keys() const;
  bool isMap() const { return node_.IsMap(); }
  bool isSequence() const { return node_.IsSequence(); }

  double asDouble() const;
  long long asInt() const;
  bool asBool() const;
  std::string asString() const;
  std::vector<double> asDoubles() const;

  double get(const std::string& key, double fallback) const;
  long long get(const std::string& key, long long fallback) const;
  int get(const std::string& key, int fallback) const;
  bool get(const std::string& key, bool fallback) const;
  std::string get(const std::string& key, const std::string& fallback) const;

  /// Throws if the map has a key outside `allowed`.
  void allowOnly(std::initializer_list<const char*> allowed) const;
  /// "SOURCE:LINE: field 'PATH': what"
  Error error(const std::string& what) const;
  const std::string& path() const { return path_; }
  const YAML::Node& raw() const { return node_; }

 private:
  YamlNode(YAML::Node node, std::string path, std::shared_ptr<const std::string> source)
      : node_(std::move(node)), path_(std::move(path)), source_(std::move(source)) {}
  std::string childPath(const std::string& key) const;
  YAML::Node node_;
  std::string path_;
  std::shared_ptr<const std::string> source_;
};

}  // namespace efgnn
