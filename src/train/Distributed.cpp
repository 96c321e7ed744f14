#include "train/Distributed.hpp"

#include <cstdlib>

#include "core/Error.hpp"

#include <torch/version.h>

#ifdef EFGNN_HAVE_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

namespace efgnn {

struct DistributedContext::Group {
#ifdef EFGNN_HAVE_GLOO
#if TORCH_VERSION_MAJOR >= 2
  // Since LibTorch 2.0 ProcessGroupGloo and ProcessGroupNCCL are c10d::Backend (ProcessGroup
  // dispatches to backends); allreduce and broadcast are the same calls.
  using Collectives = c10d::Backend;
#else
  using Collectives = c10d::ProcessGroup;
#endif
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<Collectives> group;
#endif
};

namespace {

int envInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  const long value = std::strtol(v, &end, 10);
  if (*end) throw Error(std::string("environment variable ") + name + "='" + v + "' is not an integer");
  return static_cast<int>(value);
}

}  // namespace

DistributedContext DistributedContext::fromEnvironment(const torch::Device& device) {
  DistributedContext c;
  c.device_ = device;
  c.world_ = envInt("WORLD_SIZE", 1);
  c.rank_ = envInt("RANK", 0);
  if (c.world_ <= 1) return c;
  if (c.rank_ < 0 || c.rank_ >= c.world_)
    throw Error("RANK=" + std::to_string(c.rank_) + " is not in [0, WORLD_SIZE=" + std::to_string(c.world_) + ")");
  const char* addr = std::getenv("MASTER_ADDR");
  const int port = envInt("MASTER_PORT", -1);
  if (!addr || port <= 0) throw Error("multi-process training needs MASTER_ADDR and MASTER_PORT (as torchrun sets them)");
#ifdef EFGNN_HAVE_GLOO
  c.group_ = std::make_shared<Group>();
  c10d::TCPStoreOptions options;
  options.port = static_cast<std::uint16_t>(port);
  options.isServer = c.rank_ == 0;
  options.numWorkers = c.world_;
  c.group_->store = c10::make_intrusive<c10d::TCPStore>(addr, options);
#ifdef USE_C10D_NCCL
  if (device.is_cuda()) {
    c.group_->group = c10::make_intrusive<c10d::ProcessGroupNCCL>(c.group_->store, c.rank_, c.world_);
    return c;
  }
#endif
  if (device.is_cuda()) throw Error("multi-process training on CUDA needs a LibTorch built with NCCL");
  auto gloo = c10d::ProcessGroupGloo::Options::create();
  gloo->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
  c.group_->group = c10::make_intrusive<c10d::ProcessGroupGloo>(c.group_->store, c.rank_, c.world_, gloo);
  return c;
#else
  (void)device;
  throw Error("this efgnn was built without c10d Gloo (install libgloo-dev and rebuild) and cannot train on several processes");
#endif
}

void DistributedContext::averageGradients(const std::vector<torch::Tensor>& parameters) const {
  if (world_ <= 1) return;
#ifdef EFGNN_HAVE_GLOO
  // One flat buffer, one all-reduce.
  std::vector<torch::Tensor> grads;
  for (const auto& p : parameters)
    grads.push_back(p.grad().defined() ? p.grad().reshape({-1}) : torch::zeros({p.numel()}, p.options()));
  std::vector<torch::Tensor> flat{torch::cat(grads)};
  group_->group->allreduce(flat)->wait();
  flat[0].div_(world_);
  std::int64_t offset = 0;
  for (const auto& p : parameters) {
    const auto n = p.numel();
    // A parameter the loss does not reach keeps no gradient, as in one process (AdamW then
    // leaves it alone, weight decay included).
    if (p.grad().defined()) p.mutable_grad().copy_(flat[0].narrow(0, offset, n).view_as(p));
    offset += n;
  }
#else
  (void)parameters;
#endif
}

double DistributedContext::average(double value) const {
  if (world_ <= 1) return value;
#ifdef EFGNN_HAVE_GLOO
  std::vector<torch::Tensor> t{torch::tensor({value}, torch::TensorOptions().dtype(torch::kFloat64).device(device_))};
  group_->group->allreduce(t)->wait();
  return t[0].item<double>() / world_;
#else
  return value;
#endif
}

void DistributedContext::broadcastFromMain(const std::vector<torch::Tensor>& parameters) const {
  if (world_ <= 1) return;
#ifdef EFGNN_HAVE_GLOO
  torch::NoGradGuard no_grad;
  for (const auto& p : parameters) {
    std::vector<torch::Tensor> t{p.detach()};
    group_->group->broadcast(t)->wait();
  }
#else
  (void)parameters;
#endif
}

}  // namespace efgnn
