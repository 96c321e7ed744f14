#pragma once
// Size accounting of a (compressed) edge classifier, for tables and `efgnn summary`.
#include <cstdint>

#include <vector>

#include "core/RecordFields.hpp"
#include "model/EdgeClassifierModel.hpp"

namespace efgnn {

struct ModelSize {
  std::int64_t parameters = 0;          // all parameters (quantizer scales included)
  std::int64_t nonzero_parameters = 0;  // parameters not zero as inference uses them (masked,
                                        // quantized weights; a weight that rounds to 0 is zero)
  double sparsity = 0;                  // 1 - nonzero / parameters
  double pruned_fraction = 0;           // masked fraction of the hidden Linear weights
  int weight_bits = 32;                 // bits per stored weight
  int bias_bits = 32;
  double weight_bytes = 0;              // non-zero weights x weight bits + biases x bias bits, in
                                        // bytes (values only, without a sparse index)
  // Multiplications per edge (per node) of one message-passing iteration: the non-zero weights
  // of an edge (node) network, averaged over iterations.
  double macs_per_edge_per_iteration = 0, macs_per_node_per_iteration = 0;

  static const std::vector<RecordField<ModelSize>>& fields();
  Json json() const { return recordJson(*this); }
};

ModelSize modelSize(EdgeClassifierModel& model);

}  // namespace efgnn
