#include "ops/Recompute.hpp"

#include <torch/csrc/autograd/function.h>

#include <torch/csrc/autograd/functions/utils.h>

namespace efgnn {
namespace {

thread_local bool t_recomputing = false;

using torch::autograd::variable_list;

/// The backward pass of a recomputed stage: the stage again on its saved inputs, gradients
/// recorded, then back-propagation from its outputs (which accumulates the parameters'
/// gradients) to the inputs, whose gradients it returns.
class RecomputeNode : public torch::autograd::Node {
 public:
  RecomputeNode(Stage stage, variable_list inputs) : stage_(std::move(stage)) {
    for (const auto& t : inputs) {
      needs_grad_.push_back(t.defined() && t.requires_grad());
      inputs_.push_back(t.defined() ? t.detach() : t);
    }
  }

  variable_list apply(variable_list&& grads) override {
    torch::AutoGradMode enable(true);
    variable_list leaves;
    for (std::size_t i = 0; i < inputs_.size(); ++i)
      leaves.push_back(needs_grad_[i] ? inputs_[i].detach().requires_grad_(true) : inputs_[i]);
    variable_list outputs;
    {
      // Set while the stage runs again, restored however it ends.
      struct Recomputing {
        bool outer = t_recomputing;
        Recomputing() { t_recomputing = true; }
        ~Recomputing() { t_recomputing = outer; }
      } recomputing;
      outputs = stage_(leaves);
    }
    variable_list roots, root_grads;
    std::size_t g = 0;
    for (const auto& out : outputs) {
      if (!out.defined()) continue;  // undefined outputs were not given a gradient slot
      if (grads[g].defined() && out.requires_grad()) {
        roots.push_back(out);
        root_grads.push_back(grads[g]);
      }
      ++g;
    }
    if (!roots.empty()) torch::autograd::backward(roots, root_grads);
    variable_list result;
    for (std::size_t i = 0; i < leaves.size(); ++i) result.push_back(needs_grad_[i] ? leaves[i].grad() : torch::Tensor());
    inputs_.clear();  // the graph is not kept for a second backward pass
    return result;
  }

 private:
  Stage stage_;
  variable_list inputs_;
  std::vector<bool> needs_grad_;
};

}  // namespace

bool isRecomputing() { return t_recomputing; }

variable_list recomputed(Stage stage, const variable_list& inputs) {
  // Recorded whenever gradients are: the stage's parameters need them even where its inputs do not.
  if (!torch::GradMode::is_enabled()) return stage(inputs);
  variable_list outputs;
  {
    torch::NoGradGuard no_grad;
    outputs = stage(inputs);
  }
  auto node = std::shared_ptr<RecomputeNode>(new RecomputeNode(stage, inputs), torch::autograd::deleteNode);
  node->set_next_edges(torch::autograd::collect_next_edges(inputs));
  for (auto& out : outputs)
    if (out.defined()) {
      out = out.detach();  // a tensor of its own, even where the stage passed an input through
      torch::autograd::set_history(out, node);
    }
  return outputs;
}

}  // namespace efgnn
