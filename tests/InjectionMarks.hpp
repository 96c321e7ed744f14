#pragma once
// Tests of hostile names (shell and gnuplot command substitution) give each name a command
// `touch INJECTED-<tag>`; finding such a file afterwards means something ran it.
#include <cctype>
#include <filesystem>
#include <string>
#include <vector>

namespace efgnn::test {

/// Whether `name` is what a hostile name would create: INJECTED-<lowercase letters and digits>.
inline bool isInjectionMark(const std::string& name) {
  if (!name.starts_with("INJECTED-") || name.size() == 9) return false;
  for (std::size_t i = 9; i < name.size(); ++i)
    if (!std::islower(static_cast<unsigned char>(name[i])) && !std::isdigit(static_cast<unsigned char>(name[i])))
      return false;
  return true;
}

/// The marks under `dir` (recursively) and in `also` (the working directory by default).
inline std::vector<std::filesystem::path> injectionMarks(const std::filesystem::path& dir,
                                                         const std::filesystem::path& also = std::filesystem::current_path()) {
  namespace fs = std::filesystem;
  std::vector<fs::path> found;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && isInjectionMark(e.path().filename().string())) found.push_back(e.path());
  for (const auto& e : fs::directory_iterator(also))
    if (e.is_regular_file() && isInjectionMark(e.path().filename().string())) found.push_back(e.path());
  return found;
}

}  // namespace efgnn::test
