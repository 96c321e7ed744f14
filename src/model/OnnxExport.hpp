#pragma once
// ONNX export of an exported model (runtime::ModelFile, float weights): an InteractionGNN2 as a
// standard ONNX graph (opset 17) with the ACTS GNN plugin's names: inputs `x` [N, F] float,
// `edge_index` [2, E] int64, `edge_attr` [E, Fe] float, output `output` [E] (one logit per
// edge). Node parts of the first edge-network layer are multiplied per node and gathered per
// edge (Gather), sums over edges use ScatterND with reduction "add". The model is checked with
// the ONNX checker before it is written.
#include <filesystem>
#include <string>

#include "runtime/ModelFile.hpp"

namespace efgnn {

/// The serialized ONNX model; throws Error for models it cannot express (quantized weights).
std::string onnxModelOf(const runtime::ModelFile& file, const std::string& source);

}  // namespace efgnn
