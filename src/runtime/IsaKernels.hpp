// One instruction set's kernels: the functions of Kernels.hpp and IntegerKernels.hpp, compiled
// for that set (Lanes.hpp), and sumMessages, which both kernel sources use. Declared inside
// namespace efgnn::runtime::<set> by the kernel sources and by Dispatch.cpp, which forwards each
// public function to the set of its Execution. No include guard: included once per namespace,
// after Kernels.hpp and IntegerKernels.hpp.
#if !defined(EFGNN_RUNTIME_KERNELS_DECLARED) || !defined(EFGNN_RUNTIME_INTEGER_KERNELS_DECLARED)
#error "runtime/IsaKernels.hpp needs runtime/Kernels.hpp and runtime/IntegerKernels.hpp included before it"
#endif

void runMlp(const Mlp& mlp, const float* in, std::size_t rows, std::size_t in_stride, float* out,
            std::size_t out_stride, const Execution& exec);
void runEdgeMlp(const EdgeMlp& net, const float* e, std::size_t e_stride, const float* x, std::size_t x_stride,
                const EdgeList& edges, float* out, std::size_t out_stride, const Execution& exec);
void runNodeMlp(const Mlp& mlp, const NodeMessages<float>& messages, const EdgeList& edges, float* x,
                std::size_t x_stride, const Execution& exec);
void runDense(const DenseLayer& layer, const float* in, std::size_t rows, std::size_t in_stride, float* out,
              std::size_t out_stride, const Execution& exec);
void denseWeightGradient(const float* dy, std::size_t rows, std::size_t dy_stride, int out, const float* x,
                         std::size_t x_stride, int in, float* dw, float* db, const Execution& exec);
void normalizeAndActivateRows(const float* h, std::size_t rows, std::size_t width, Activation activation, float* y,
                              float* xhat, float* rstd, const Execution& exec);
void normalizeAndActivateRowsBackward(const float* dy, const float* xhat, const float* rstd, std::size_t rows,
                                      std::size_t width, Activation activation, float* dh, const Execution& exec);
void batchNormalizeAndActivate(float* y, std::size_t rows, std::size_t width, const BatchNorm& bn,
                               Activation activation, const Execution& exec);
void runMessageSums(const NodeMessages<float>& messages, const EdgeList& edges, float* out, std::size_t out_stride,
                    const Execution& exec);
void gatherPairSums(const float* a, std::size_t a_stride, const float* b, std::size_t b_stride, const EdgeList& edges,
                    std::size_t width, float* out, std::size_t out_stride, const Execution& exec);

/// Rows [0, n) of `out` (out_stride apart) = the messages of nodes r0 .. r0 + n - 1; `sums` is
/// scratch of 2 width.
void sumMessages(const NodeMessages<float>& m, const EdgeList& edges, std::size_t r0, std::size_t n, float* sums,
                 float* out, std::size_t out_stride);
void sumMessages(const NodeMessages<std::uint8_t>& m, const EdgeList& edges, std::size_t r0, std::size_t n, float* sums,
                 float* out, std::size_t out_stride);

void quantizeToGrid(const float* in, std::size_t n, float scale, int lo, int hi, float* out);
template <class In, class Out>
void runMlp(const IntegerMlp& mlp, const In* in, std::size_t rows, std::size_t in_stride, Out* out,
            std::size_t out_stride, const Execution& exec);
void runEdgeMlp(const IntegerEdgeMlp& net, const std::uint8_t* e, std::size_t e_stride, const std::uint8_t* x,
                std::size_t x_stride, const EdgeList& edges, std::uint8_t* out, std::size_t out_stride,
                const Execution& exec);
void runNodeMlp(const IntegerMlp& mlp, const NodeMessages<std::uint8_t>& messages, const EdgeList& edges,
                std::uint8_t* x, std::size_t x_stride, const Execution& exec);
