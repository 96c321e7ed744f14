// Links against efgnn_runtime alone (no LibTorch, no other efgnn library): if this builds and
// runs, the runtime can be embedded by itself. It also checks the loader's refusal of a file
// that is not a model.
#include <cstdio>
#include <fstream>

#include "runtime/EdgeClassifier.hpp"

int main(int argc, char** argv) {
  const char* path = argc > 1 ? argv[1] : "runtime_standalone_not_a_model.bin";
  std::ofstream(path) << "not a model";
  try {
    efgnn::runtime::EdgeClassifier::load(path, {});
  } catch (const efgnn::runtime::ModelFileError& e) {
    std::printf("refused as expected: %s\n", e.what());
    std::remove(path);
    return 0;
  }
  std::remove(path);
  return 1;
}
