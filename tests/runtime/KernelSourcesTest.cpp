// The kernel sources' include order, which the compiler cannot check for standard headers:
// everything after runtime/Lanes.hpp is compiled for one instruction set, so a header included
// after it would put instruction-set-specific copies of shared code into the program.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

std::vector<std::string> linesOf(const fs::path& file) {
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(KernelSources, LanesComesAfterEveryOtherIncludeAndLanesEndCloses) {
  int kernel_sources = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(EFGNN_SOURCE_DIR) / "src" / "runtime")) {
    if (entry.path().extension() != ".cpp") continue;
    const auto lines = linesOf(entry.path());
    std::size_t lanes = lines.size(), last_code = 0;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (lines[i] == "#include \"runtime/Lanes.hpp\"") lanes = i;
      if (!lines[i].empty() && lines[i].rfind("//", 0) != 0) last_code = i;
    }
    if (lanes == lines.size()) continue;
    ++kernel_sources;
    const std::string name = entry.path().filename().string();
    for (std::size_t i = lanes + 1; i < lines.size(); ++i) {
      if (lines[i].rfind("#include", 0) != 0) continue;
      EXPECT_TRUE(lines[i] == "#include \"runtime/IsaKernels.hpp\"" || lines[i] == "#include \"runtime/LanesEnd.hpp\"")
          << name << ":" << i + 1 << ": " << lines[i] << " after runtime/Lanes.hpp";
    }
    EXPECT_EQ(lines[last_code], "#include \"runtime/LanesEnd.hpp\"") << name << ": the last line closes the instruction set";
  }
  EXPECT_GE(kernel_sources, 2);  // Kernels.cpp and IntegerKernels.cpp
}

}  // namespace
