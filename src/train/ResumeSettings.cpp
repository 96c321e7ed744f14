#include "train/ResumeSettings.hpp"

#include <algorithm>
#include <sstream>

#include "core/ConfigFields.hpp"

namespace efgnn {

std::string forbiddenResumeChanges(const std::string& recorded, const std::string& present, bool only_common_keys,
                                   const std::vector<std::string>& also_free) {
  std::vector<std::string> free_keys{"threads", "device"};
  free_keys.insert(free_keys.end(), also_free.begin(), also_free.end());
  std::istringstream lines(configChanges(recorded, present, only_common_keys));
  std::string forbidden;
  for (std::string line; std::getline(lines, line);) {
    const std::string key = line.substr(0, line.find(": "));
    const std::string name = key.substr(key.rfind('.') + 1);
    if (std::find(free_keys.begin(), free_keys.end(), name) == free_keys.end()) forbidden += line + "\n";
  }
  return forbidden;
}

}  // namespace efgnn
