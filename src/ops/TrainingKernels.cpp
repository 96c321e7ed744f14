#include "ops/TrainingKernels.hpp"

#include <ATen/Parallel.h>

#include <atomic>

#include "core/Error.hpp"

namespace efgnn {
namespace {
std::atomic<TrainingKernels> g_kernels{TrainingKernels::Efgnn};
}

void setTrainingKernels(TrainingKernels kernels) { g_kernels = kernels; }
TrainingKernels trainingKernels() { return g_kernels; }

TrainingKernels trainingKernelsNamed(const std::string& name) {
  if (name == "efgnn") return TrainingKernels::Efgnn;
  if (name == "libtorch") return TrainingKernels::LibTorch;
  throw Error("training kernels '" + name + "': expected efgnn or libtorch");
}

std::string nameOf(TrainingKernels kernels) { return kernels == TrainingKernels::Efgnn ? "efgnn" : "libtorch"; }

bool onOwnKernels(std::initializer_list<torch::Tensor> arrays) {
  if (trainingKernels() != TrainingKernels::Efgnn) return false;
  for (const auto& t : arrays)
    if (!t.device().is_cpu() || t.scalar_type() != torch::kFloat32 || t.dim() != 2 || t.size(0) == 0) return false;
  return true;
}

runtime::Execution trainingExecution() {
  runtime::Execution exec;
  exec.threads = at::get_num_threads();  // as LibTorch's operations around them
  return exec;
}

}  // namespace efgnn
