#include "model/TorchThreads.hpp"

#include <dlfcn.h>
#include <strings.h>
#include <torch/torch.h>
#include <unistd.h>

#include <cstdlib>

#include "core/Parallel.hpp"

namespace efgnn {

void selectOpenBlasKernels(char** argv) {
  if (std::getenv("OPENBLAS_CORETYPE")) return;
  using CoreName = char* (*)();
  const auto core_name = reinterpret_cast<CoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  if (!core_name || strcasecmp(core_name(), "Prescott") != 0) return;
  const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (!avx512 && !avx2) return;
  setenv("OPENBLAS_CORETYPE", avx512 ? "SkylakeX" : "Haswell", 1);
  execv("/proc/self/exe", argv);  // returns only on failure: then the slow kernels it is
}

void configureTorchThreads(int threads) {
  at::set_num_threads(resolveThreads(threads));
  setOpenBlasThreads(1);
}

void setOpenBlasThreads(int threads) {
  // Looked up at run time: OpenBLAS is LibTorch's choice on Debian, not a dependency of ours.
  using SetThreads = void (*)(int);
  if (const auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads")))
    set(resolveThreads(threads));
}

}  // namespace efgnn
