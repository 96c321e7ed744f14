#pragma once
// One model's weights into another of the same architecture, matched by name: how a quantized
// model starts from a float one, a pruning round from its parent, or `eval --float` sees a
// quantized model's float weights.
#include <string>

#include "model/EdgeClassifierModel.hpp"

namespace efgnn {

/// Copies `from`'s parameters, buffers and pruning masks into `into`, matched by name. Names
/// `from` lacks keep their values (e.g. new quantizer scales); a name whose shape differs is an
/// error naming `origin` (the file `from` was read from).
void copyWeights(EdgeClassifierModel& into, EdgeClassifierModel& from, const std::string& origin);

}  // namespace efgnn
