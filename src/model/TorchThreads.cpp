#include "model/TorchThreads.hpp"

#include <dlfcn.h>
#include <torch/torch.h>

#include "core/Parallel.hpp"

namespace efgnn {

void configureTorchThreads(int threads) {
  at::set_num_threads(resolveThreads(threads));
  // Looked up at run time: OpenBLAS is LibTorch's choice on Debian, not a dependency of ours.
  using SetThreads = void (*)(int);
  if (const auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set(1);
}

}  // namespace efgnn
