#pragma once
// A model as the deployment runtime reads it (runtime/ModelFile.hpp): architecture settings and
// every Linear layer's effective weight (pruning masks applied) and bias, by layer name.
#include "model/EdgeClassifierModel.hpp"
#include "runtime/ModelFile.hpp"

namespace efgnn {

/// Throws Error for what the runtime cannot run yet (quantized models).
runtime::ModelFile toModelFile(EdgeClassifierModel& model);

}  // namespace efgnn
