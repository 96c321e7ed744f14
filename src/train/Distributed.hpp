#pragma once
// Data-parallel training over LibTorch's c10d, started like torchrun: every process reads
// RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT from its environment; rank 0 hosts the
// TCPStore. Gloo on CPU; NCCL for CUDA devices only when compiled with USE_C10D_NCCL (a CUDA
// LibTorch; not yet built or tested). Without those variables training runs in one process.
// A process that fails leaves the others waiting in the next collective until c10d's timeout.
#include <torch/torch.h>

#include <memory>
#include <string>

namespace efgnn {

class DistributedContext {
 public:
  /// One process, no communication.
  DistributedContext() = default;
  /// From the torchrun environment variables; a single process if WORLD_SIZE is unset or 1.
  static DistributedContext fromEnvironment(const torch::Device& device);

  int rank() const { return rank_; }
  int worldSize() const { return world_; }
  bool isMain() const { return rank_ == 0; }
  /// Averages the gradients of `parameters` over all processes, so that each process then takes
  /// the same optimiser step.
  void averageGradients(const std::vector<torch::Tensor>& parameters) const;
  /// Average of a scalar over all processes.
  double average(double value) const;
  /// Copies rank 0's tensors (parameters, buffers) to every process, in place.
  void broadcastFromMain(const std::vector<torch::Tensor>& parameters) const;

 private:
  struct Group;
  int rank_ = 0, world_ = 1;
  torch::Device device_ = torch::kCPU;  // where collective buffers live (NCCL needs CUDA ones)
  std::shared_ptr<Group> group_;
};

}  // namespace efgnn
