#include "core/ConfigFields.hpp"

#include <map>

namespace efgnn {

std::string configChanges(const std::string& before, const std::string& after, bool only_common_keys) {
  const auto lines = [](const std::string& text) {
    std::map<std::string, std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      const auto colon = line.find(": ");
      if (colon == std::string::npos) {
        out[line] = "";
        continue;
      }
      std::string value = line.substr(colon + 2);
      if (value.size() >= 2 && value.front() == '\'' && value.back() == '\'') {
        std::string unquoted;
        for (std::size_t i = 1; i + 1 < value.size(); ++i) {
          unquoted += value[i];
          if (value[i] == '\'' && value[i + 1] == '\'') ++i;
        }
        value = unquoted;
      }
      out[line.substr(0, colon)] = value;
    }
    return out;
  };
  const auto a = lines(before), b = lines(after);
  std::string changes;
  for (const auto& [key, value] : a) {
    const auto it = b.find(key);
    if (it == b.end()) {
      if (!only_common_keys) changes += key + ": " + value + " -> (absent)\n";
    }
    else if (it->second != value) changes += key + ": " + value + " -> " + it->second + "\n";
  }
  for (const auto& [key, value] : b)
    if (!a.count(key) && !only_common_keys) changes += key + ": (absent) -> " + value + "\n";
  return changes;
}

namespace {

std::size_t editDistance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string closestKey(const std::string& key, const std::vector<std::string>& valid) {
  std::string best;
  std::size_t best_distance = std::string::npos;
  for (const auto& v : valid) {
    const std::size_t d = editDistance(key, v);
    if (d < best_distance) {
      best_distance = d;
      best = v;
    }
  }
  return best;
}

}  // namespace efgnn
