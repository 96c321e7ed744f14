#pragma once
// ONNX export of an exported model (runtime::ModelFile): an InteractionGNN2 as a
// standard ONNX graph (opset 17) with the ACTS GNN plugin's names: inputs `x` [N, F] float,
// `edge_index` [2, E] int64, `edge_attr` [E, Fe] float, output `output` [E] (one logit per
// edge). Node parts of the first edge-network layer are multiplied per node and gathered per
// edge (Gather), sums over edges use ScatterND with reduction "add". The model is checked with
// the ONNX checker before it is written.
//
// Integer (quantization-aware trained) models are written in QCDQ form: int8 weight codes
// through DequantizeLinear, each activation grid as QuantizeLinear -> Clip -> DequantizeLinear
// (grids of at most 8 bits); wider grids (12-bit inputs) as Div -> Round -> Clip -> Mul, since
// opset 17 has no 16-bit QuantizeLinear.
#include <filesystem>
#include <string>

#include "runtime/ModelFile.hpp"

namespace efgnn {

/// The serialized ONNX model; throws Error for a file it cannot express.
std::string onnxModelOf(const runtime::ModelFile& file, const std::string& source);

}  // namespace efgnn
