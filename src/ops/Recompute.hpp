#pragma once
// Activation recomputation (the reference's `checkpointing`): a stage of the forward pass, run
// without keeping its intermediate results; the backward pass runs it again with gradients
// recorded and back-propagates through that. Memory then grows with the largest stage, not with
// the whole forward pass, for one more forward computation of each stage.
#include <torch/torch.h>

#include <functional>

namespace efgnn {

using Stage = std::function<torch::autograd::variable_list(const torch::autograd::variable_list&)>;

/// stage(inputs), differentiable in the inputs and in every parameter the stage reads (their
/// gradients are accumulated when the backward pass reaches the stage). Undefined inputs and
/// outputs are allowed (scales of float layers). The stage must compute the same function when
/// run again: modules that update state in training (calibrated quantizers) leave it alone while
/// isRecomputing().
torch::autograd::variable_list recomputed(Stage stage, const torch::autograd::variable_list& inputs);

/// Whether this thread is running a stage again for its backward pass.
bool isRecomputing();

}  // namespace efgnn
