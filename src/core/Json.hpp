#pragma once
// A minimal JSON writer for the `--json` output of commands: keys keep insertion order so the
// output reads like the human table it mirrors.
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace efgnn {

class Json {
 public:
  Json() : value_(nullptr) {}
  Json(std::nullptr_t) : value_(nullptr) {}
  Json(bool b) : value_(b) {}
  // Integers stay integers (event and particle ids exceed a double's 53 bits).
  Json(int v) : value_(static_cast<std::int64_t>(v)) {}
  Json(long v) : value_(static_cast<std::int64_t>(v)) {}
  Json(long long v) : value_(static_cast<std::int64_t>(v)) {}
  Json(unsigned v) : value_(static_cast<std::uint64_t>(v)) {}
  Json(unsigned long v) : value_(static_cast<std::uint64_t>(v)) {}
  Json(unsigned long long v) : value_(static_cast<std::uint64_t>(v)) {}
  Json(double v) : value_(v) {}
  Json(const char* s) : value_(std::string(s)) {}
  Json(std::string s) : value_(std::move(s)) {}

  static Json object() { Json j; j.value_ = Object{}; return j; }
  static Json array() { Json j; j.value_ = Array{}; return j; }

  /// Object access: inserts the key (keeping order) if it is new.
  Json& operator[](const std::string& key);
  /// Object lookup of an existing key; throws std::out_of_range.
  const Json& at(const std::string& key) const;
  void push_back(Json v);
  std::string dump(int indent = -1) const;

  using Object = std::vector<std::pair<std::string, Json>>;
  using Array = std::vector<Json>;
  /// Calls `visitor` with the value (nullptr, bool, int64, uint64, double, string, Object or
  /// Array), for readers of a document built in memory (YamlNode::of).
  template <class Visitor>
  decltype(auto) visit(Visitor&& visitor) const {
    return std::visit(std::forward<Visitor>(visitor), value_);
  }

 private:
  void write(std::string& out, int indent, int depth) const;
  std::variant<std::nullptr_t, bool, std::int64_t, std::uint64_t, double, std::string, Object, Array> value_;
};

}  // namespace efgnn
