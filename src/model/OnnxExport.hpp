#pragma once
// ONNX export of an exported model (runtime::ModelFile): an InteractionGNN2 as a
// standard ONNX graph (opset 17), by default with the ACTS GNN plugin's names: inputs `x` [N, F]
// float, `edge_index` [2, E] int64, `edge_attr` [E, Fe] float, output `output` [E] (one logit per
// edge); other names (OnnxNames) are Identity nodes onto those. Node parts of the first edge-network layer are multiplied per node and gathered per
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

/// The graph's input and output names. Consumers that take inputs by position (the ACTS plugin)
/// accept any; the reference pipeline's own export names them node_features and edge_list.
struct OnnxNames {
  std::string x = "x", edge_index = "edge_index", edge_attr = "edge_attr", output = "output";
  /// "acts" (x, edge_index, edge_attr, output) or "reference" (node_features, edge_list,
  /// edge_attr, output); throws Error naming the choices for anything else.
  static OnnxNames of(const std::string& convention);
};

/// The serialized ONNX model; throws Error for a file it cannot express or names that collide.
std::string onnxModelOf(const runtime::ModelFile& file, const std::string& source, const OnnxNames& names = {});

}  // namespace efgnn
