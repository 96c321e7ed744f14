#pragma once
// Import of the reference pipeline's InteractionGNN2 checkpoints (ACORN / GNN4ITk
// CommonFramework: PyTorch Lightning files, torch.save archives holding `state_dict` and
// `hyper_parameters`), read without Python (io/TorchFile). The result is an efgnn model with the
// same weights, which evaluation, quantization-aware training, pruning and export then take as
// any efgnn model.
//
// What maps onto what (REFERENCE.md sections 2 and 13): each nn.Sequential of the reference
// (node_encoder, edge_encoder, edge_network[.i], node_network[.i], edge_decoder,
// edge_output_transform) becomes the efgnn MLP of the same role (edge_output_transform: output);
// its Linear layers (2-D weights) in order become linear0, linear1, ...; a BatchNorm after a
// Linear becomes that layer's norm. LayerNorm (no affine parameters) and activations carry no
// weights: they come from the hyper-parameters, checked against what the weights show.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "model/EdgeClassifierModel.hpp"
#include "model/ModelConfig.hpp"

namespace efgnn {

struct ImportedCheckpoint {
  ModelConfig config;
  std::shared_ptr<EdgeClassifierModel> model;  // on the CPU, in evaluation mode
  std::size_t tensors = 0;                     // state-dict entries taken
  /// What the user should know: hyper-parameters that efgnn does not model (feature scales
  /// other than efgnn's graphs use, ...). Empty when nothing.
  std::vector<std::string> notes;
};

/// Throws Error naming the file and the key or hyper-parameter that does not fit.
ImportedCheckpoint importReferenceCheckpoint(const std::filesystem::path& file);

}  // namespace efgnn
