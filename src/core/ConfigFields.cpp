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

}  // namespace efgnn
