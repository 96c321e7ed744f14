#pragma once
// A model as the deployment runtime reads it (runtime/ModelFile.hpp): architecture settings and
// every Linear layer's weights and bias, by layer name.
//
// Float models (and models whose only quantization is of weights and biases, which the effective
// float weights reproduce exactly) become float files: effective weights with pruned ones as
// zeros. Quantization-aware trained models whose inputs and activations are quantized become
// integer files: the weights' integers (only the non-zero ones, so pruning shrinks the file),
// their scales and the scale of every activation grid, from which the runtime computes exactly
// what the trained model computes.
#include "model/EdgeClassifierModel.hpp"
#include "runtime/ModelFile.hpp"

namespace efgnn {

/// Throws Error for what the runtime cannot run: quantized activations with float weights or
/// float inputs, or activations quantized only in part.
runtime::ModelFile toModelFile(EdgeClassifierModel& model);

}  // namespace efgnn
