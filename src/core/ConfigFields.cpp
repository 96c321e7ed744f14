#include "core/ConfigFields.hpp"

#include <map>

namespace efgnn {

std::string configChanges(const std::string& before, const std::string& after) {
  const auto lines = [](const std::string& text) {
    std::map<std::string, std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      const auto colon = line.find(": ");
      if (colon == std::string::npos) out[line] = "";
      else out[line.substr(0, colon)] = line.substr(colon + 2);
    }
    return out;
  };
  const auto a = lines(before), b = lines(after);
  std::string changes;
  for (const auto& [key, value] : a) {
    const auto it = b.find(key);
    if (it == b.end()) changes += key + ": " + value + " -> (absent)\n";
    else if (it->second != value) changes += key + ": " + value + " -> " + it->second + "\n";
  }
  for (const auto& [key, value] : b)
    if (!a.count(key)) changes += key + ": (absent) -> " + value + "\n";
  return changes;
}

}  // namespace efgnn
