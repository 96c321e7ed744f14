#include "model/TorchThreads.hpp"

#include <dlfcn.h>
#include <strings.h>
#include <torch/torch.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <vector>

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

double sgemmMultiplyAddsPerSecond(int threads) {
  setOpenBlasThreads(threads);
  const auto a = torch::randn({2048, 2048}), b = torch::randn({2048, 2048});
  torch::mm(a, b);
  std::vector<double> rates;
  for (int r = 0; r < 5; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    torch::mm(a, b);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    rates.push_back(2048.0 * 2048.0 * 2048.0 / seconds);
  }
  setOpenBlasThreads(1);
  std::sort(rates.begin(), rates.end());
  return rates[rates.size() / 2];
}

}  // namespace efgnn
