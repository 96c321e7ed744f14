// The runtime's public kernels, each forwarded to the instruction set of its Execution.
#include "runtime/BatchStatistics.hpp"
#include "runtime/IntegerKernels.hpp"
#include "runtime/Kernels.hpp"

namespace efgnn::runtime {
namespace avx512 {
#include "runtime/IsaKernels.hpp"
}
namespace avx2 {
#include "runtime/IsaKernels.hpp"
}
namespace base {
#include "runtime/IsaKernels.hpp"
}

// The call in the namespace of the instruction set `isa` resolves to.
#define EFGNN_DISPATCH(isa, call) \
  switch (resolve(isa)) {         \
    case Isa::Avx512:             \
      return avx512::call;        \
    case Isa::Avx2:               \
      return avx2::call;          \
    default:                      \
      return base::call;          \
  }

void runMlp(const Mlp& mlp, const float* in, std::size_t rows, std::size_t in_stride, float* out,
            std::size_t out_stride, const Execution& exec) {
  if (!mlp.batchnorms.empty()) return batch_statistics::runMlp(mlp, in, rows, in_stride, out, out_stride, exec);
  EFGNN_DISPATCH(exec.isa, runMlp(mlp, in, rows, in_stride, out, out_stride, exec));
}

void runEdgeMlp(const EdgeMlp& net, const float* e, std::size_t e_stride, const float* x, std::size_t x_stride,
                const EdgeList& edges, float* out, std::size_t out_stride, const Execution& exec) {
  if (!net.mlp.batchnorms.empty())
    return batch_statistics::runEdgeMlp(net, e, e_stride, x, x_stride, edges, out, out_stride, exec);
  EFGNN_DISPATCH(exec.isa, runEdgeMlp(net, e, e_stride, x, x_stride, edges, out, out_stride, exec));
}

void runNodeMlp(const Mlp& mlp, const NodeMessages<float>& messages, const EdgeList& edges, float* x,
                std::size_t x_stride, const Execution& exec) {
  if (!mlp.batchnorms.empty()) return batch_statistics::runNodeMlp(mlp, messages, edges, x, x_stride, exec);
  EFGNN_DISPATCH(exec.isa, runNodeMlp(mlp, messages, edges, x, x_stride, exec));
}

void runDense(const DenseLayer& layer, const float* in, std::size_t rows, std::size_t in_stride, float* out,
              std::size_t out_stride, const Execution& exec) {
  EFGNN_DISPATCH(exec.isa, runDense(layer, in, rows, in_stride, out, out_stride, exec));
}

void denseWeightGradient(const float* dy, std::size_t rows, std::size_t dy_stride, int out, const float* x,
                         std::size_t x_stride, int in, float* dw, float* db, const Execution& exec) {
  EFGNN_DISPATCH(exec.isa, denseWeightGradient(dy, rows, dy_stride, out, x, x_stride, in, dw, db, exec));
}

void normalizeAndActivateRows(const float* h, std::size_t rows, std::size_t width, Activation activation, float* y,
                              float* xhat, float* rstd, const Execution& exec) {
  EFGNN_DISPATCH(exec.isa, normalizeAndActivateRows(h, rows, width, activation, y, xhat, rstd, exec));
}

void normalizeAndActivateRowsBackward(const float* dy, const float* xhat, const float* rstd, std::size_t rows,
                                      std::size_t width, Activation activation, float* dh, const Execution& exec) {
  EFGNN_DISPATCH(exec.isa, normalizeAndActivateRowsBackward(dy, xhat, rstd, rows, width, activation, dh, exec));
}

void batchNormalizeAndActivate(float* y, std::size_t rows, std::size_t width, const BatchNorm& bn,
                               Activation activation, const Execution& exec) {
  EFGNN_DISPATCH(exec.isa, batchNormalizeAndActivate(y, rows, width, bn, activation, exec));
}

void runMessageSums(const NodeMessages<float>& messages, const EdgeList& edges, float* out, std::size_t out_stride,
                    const Execution& exec) {
  EFGNN_DISPATCH(exec.isa, runMessageSums(messages, edges, out, out_stride, exec));
}

void gatherPairSums(const float* a, std::size_t a_stride, const float* b, std::size_t b_stride, const EdgeList& edges,
                    std::size_t width, float* out, std::size_t out_stride, const Execution& exec) {
  EFGNN_DISPATCH(exec.isa, gatherPairSums(a, a_stride, b, b_stride, edges, width, out, out_stride, exec));
}

void quantizeToGrid(const float* in, std::size_t n, float scale, int lo, int hi, float* out, Isa isa) {
  EFGNN_DISPATCH(isa, quantizeToGrid(in, n, scale, lo, hi, out));
}

template <class In, class Out>
void runMlp(const IntegerMlp& mlp, const In* in, std::size_t rows, std::size_t in_stride, Out* out,
            std::size_t out_stride, const Execution& exec) {
  EFGNN_DISPATCH(exec.isa, runMlp(mlp, in, rows, in_stride, out, out_stride, exec));
}
EFGNN_INSTANTIATE_INTEGER_RUN_MLPS;

void runEdgeMlp(const IntegerEdgeMlp& net, const std::uint8_t* e, std::size_t e_stride, const std::uint8_t* x,
                std::size_t x_stride, const EdgeList& edges, std::uint8_t* out, std::size_t out_stride,
                const Execution& exec) {
  EFGNN_DISPATCH(exec.isa, runEdgeMlp(net, e, e_stride, x, x_stride, edges, out, out_stride, exec));
}

void runNodeMlp(const IntegerMlp& mlp, const NodeMessages<std::uint8_t>& messages, const EdgeList& edges,
                std::uint8_t* x, std::size_t x_stride, const Execution& exec) {
  EFGNN_DISPATCH(exec.isa, runNodeMlp(mlp, messages, edges, x, x_stride, exec));
}

}  // namespace efgnn::runtime
