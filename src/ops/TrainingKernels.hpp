#pragma once
// Which arithmetic training runs on: efgnn's own CPU kernels (the runtime's dense kernels and
// their backward passes) or LibTorch's. Both compute the same functions and gradients up to float
// rounding; each is deterministic and independent of the thread count on one machine. Chosen per
// process (a training run sets it from its config), read by the operations of this folder.
#include <torch/torch.h>

#include <initializer_list>
#include <string>

#include "runtime/Kernels.hpp"

namespace efgnn {

enum class TrainingKernels { Efgnn, LibTorch };

void setTrainingKernels(TrainingKernels kernels);
TrainingKernels trainingKernels();
/// "efgnn" or "libtorch"; throws Error naming the choices otherwise.
TrainingKernels trainingKernelsNamed(const std::string& name);
std::string nameOf(TrainingKernels kernels);

/// Whether an operation on these arrays runs on efgnn's kernels: training kernels set to efgnn,
/// and each a float CPU tensor of two dimensions with at least one row (the operations check
/// their own further conditions).
bool onOwnKernels(std::initializer_list<torch::Tensor> arrays);

/// How the operations run the runtime's kernels: on LibTorch's thread count, the CPU's best
/// instruction set.
runtime::Execution trainingExecution();

}  // namespace efgnn
