#include "core/Json.hpp"

#include <stdexcept>

#include <charconv>
#include <cstdio>

namespace efgnn {
namespace {

void writeString(std::string& out, const std::string& s) {
  out += '"';
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void newline(std::string& out, int indent, int depth) {
  if (indent < 0) return;
  out += '\n';
  out.append(static_cast<std::size_t>(indent * depth), ' ');
}

}  // namespace

Json& Json::operator[](const std::string& key) {
  if (!std::holds_alternative<Object>(value_)) value_ = Object{};
  auto& obj = std::get<Object>(value_);
  for (auto& [k, v] : obj)
    if (k == key) return v;
  obj.emplace_back(key, Json());
  return obj.back().second;
}

const Json& Json::at(const std::string& key) const {
  if (const auto* obj = std::get_if<Object>(&value_))
    for (const auto& [k, v] : *obj)
      if (k == key) return v;
  throw std::out_of_range("Json: no key '" + key + "'");
}

void Json::push_back(Json v) {
  if (!std::holds_alternative<Array>(value_)) value_ = Array{};
  std::get<Array>(value_).push_back(std::move(v));
}

std::string Json::dump(int indent) const {
  std::string out;
  write(out, indent, 0);
  return out;
}

void Json::write(std::string& out, int indent, int depth) const {
  if (std::holds_alternative<std::nullptr_t>(value_)) {
    out += "null";
  } else if (const bool* b = std::get_if<bool>(&value_)) {
    out += *b ? "true" : "false";
  } else if (const auto* i = std::get_if<std::int64_t>(&value_)) {
    out += std::to_string(*i);
  } else if (const auto* u = std::get_if<std::uint64_t>(&value_)) {
    out += std::to_string(*u);
  } else if (const double* d = std::get_if<double>(&value_)) {
    if (!std::isfinite(*d)) {
      out += "null";  // JSON has no NaN/inf
    } else {
      char buf[32];
      const auto res = std::to_chars(buf, buf + sizeof buf, *d);
      out.append(buf, res.ptr);
    }
  } else if (const std::string* s = std::get_if<std::string>(&value_)) {
    writeString(out, *s);
  } else if (const Object* o = std::get_if<Object>(&value_)) {
    out += '{';
    for (std::size_t i = 0; i < o->size(); ++i) {
      if (i) out += ',';
      newline(out, indent, depth + 1);
      writeString(out, (*o)[i].first);
      out += indent < 0 ? ":" : ": ";
      (*o)[i].second.write(out, indent, depth + 1);
    }
    if (!o->empty()) newline(out, indent, depth);
    out += '}';
  } else {
    const Array& a = std::get<Array>(value_);
    out += '[';
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (i) out += ',';
      newline(out, indent, depth + 1);
      a[i].write(out, indent, depth + 1);
    }
    if (!a.empty()) newline(out, indent, depth);
    out += ']';
  }
}

}  // namespace efgnn
