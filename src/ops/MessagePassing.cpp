#include "ops/MessagePassing.hpp"

#include <memory>

#include "ops/TrainingKernels.hpp"
#include "runtime/Kernels.hpp"

namespace efgnn {
namespace {

/// The edges [2, E] as one contiguous array, and the edge list bucketed by node over it.
struct EdgeBuckets {
  torch::Tensor src, dst, index;
  runtime::EdgeList list;
  EdgeBuckets(const torch::Tensor& s, const torch::Tensor& d, std::int64_t num_nodes)
      : src(s), dst(d), index(torch::stack({s, d}).contiguous()),
        list(index.data_ptr<std::int64_t>(), static_cast<std::size_t>(s.size(0)), static_cast<std::size_t>(num_nodes)) {}
  /// Whether these are the buckets of (s, d): the same memory, unchanged since (the buckets
  /// hold the tensors, so their memory cannot have gone to other tensors).
  bool of(const torch::Tensor& s, const torch::Tensor& d, std::int64_t num_nodes) const {
    const auto same = [](const torch::Tensor& a, const torch::Tensor& b) {
      return a.data_ptr() == b.data_ptr() && a.sizes() == b.sizes() && a.strides() == b.strides() &&
             a._version() == b._version();
    };
    return same(src, s) && same(dst, d) && list.num_nodes == static_cast<std::size_t>(num_nodes);
  }
};

/// The buckets of the edges, built once for all the operations of a forward and backward pass
/// on one graph (eight iterations call these operations 32 times): the last ones of this thread.
const runtime::EdgeList& bucketsOf(const torch::Tensor& src, const torch::Tensor& dst, std::int64_t num_nodes) {
  thread_local std::unique_ptr<EdgeBuckets> last;
  if (!last || !last->of(src, dst, num_nodes)) {
    last.reset();  // the old ones go first: a full graph's buckets are tens of megabytes
    last = std::make_unique<EdgeBuckets>(src, dst, num_nodes);
  }
  return last->list;
}

/// Whether the kernels take these rows (their columns adjacent) and edges.
bool onOwnKernels(std::initializer_list<torch::Tensor> rows, const torch::Tensor& src, const torch::Tensor& dst) {
  if (!efgnn::onOwnKernels(rows)) return false;
  for (const auto& t : rows)
    if (t.stride(1) != 1) return false;
  return src.device().is_cpu() && dst.device().is_cpu() && src.scalar_type() == torch::kInt64 &&
         dst.scalar_type() == torch::kInt64 && src.size(0) > 0 && src.size(0) < (std::int64_t{1} << 32);
}

/// out [E, width] = a[src] + b[dst].
torch::Tensor gatherPairs(const torch::Tensor& a, const torch::Tensor& b, const runtime::EdgeList& edges) {
  auto out = torch::empty({static_cast<std::int64_t>(edges.num_edges), a.size(1)}, a.options());
  runtime::gatherPairSums(a.data_ptr<float>(), static_cast<std::size_t>(a.stride(0)), b.data_ptr<float>(),
                          static_cast<std::size_t>(b.stride(0)), edges, static_cast<std::size_t>(a.size(1)),
                          out.data_ptr<float>(), static_cast<std::size_t>(out.size(1)), trainingExecution());
  return out;
}

/// Per node, [sum over incoming, sum over outgoing] of e (separate) or their sum.
torch::Tensor sumsPerNode(const torch::Tensor& e, const runtime::EdgeList& edges, bool separate) {
  const auto width = static_cast<std::size_t>(e.size(1));
  auto out = torch::empty({static_cast<std::int64_t>(edges.num_nodes), static_cast<std::int64_t>(separate ? 2 * width : width)},
                          e.options());
  const runtime::NodeMessages<float> messages{e.data_ptr<float>(), width, static_cast<std::size_t>(e.stride(0)), separate};
  runtime::runMessageSums(messages, edges, out.data_ptr<float>(), static_cast<std::size_t>(out.size(1)), trainingExecution());
  return out;
}

class GatherPairSumFunction : public torch::autograd::Function<GatherPairSumFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& a, const torch::Tensor& b,
                               const torch::Tensor& src, const torch::Tensor& dst) {
    ctx->save_for_backward({src, dst});
    ctx->saved_data["nodes"] = a.size(0);
    return gatherPairs(a, b, bucketsOf(src, dst, a.size(0)));
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto& edges = bucketsOf(saved[0], saved[1], ctx->saved_data["nodes"].toInt());
    const auto g = grads[0].contiguous();
    const auto sums = sumsPerNode(g, edges, true);  // [incoming: b's gradient, outgoing: a's]
    const auto width = g.size(1);
    return {sums.narrow(1, width, width), sums.narrow(1, 0, width), torch::Tensor(), torch::Tensor()};
  }
};

class MessageSumsFunction : public torch::autograd::Function<MessageSumsFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& e, const torch::Tensor& src,
                               const torch::Tensor& dst, std::int64_t num_nodes, bool separate) {
    ctx->save_for_backward({src, dst});
    ctx->saved_data["nodes"] = num_nodes;
    ctx->saved_data["separate"] = separate;
    return sumsPerNode(e, bucketsOf(src, dst, num_nodes), separate);
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto& edges = bucketsOf(saved[0], saved[1], ctx->saved_data["nodes"].toInt());
    const auto g = grads[0].contiguous();
    torch::Tensor de;
    if (ctx->saved_data["separate"].toBool()) {
      const auto width = g.size(1) / 2;
      de = gatherPairs(g.narrow(1, width, width), g.narrow(1, 0, width), edges);  // outgoing part at src, incoming at dst
    } else {
      de = gatherPairs(g, g, edges);
    }
    return {de, torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor gatherPairSum(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& src,
                            const torch::Tensor& dst) {
  if (!onOwnKernels({a, b}, src, dst) || a.sizes() != b.sizes())
    return a.index_select(0, src) + b.index_select(0, dst);
  return GatherPairSumFunction::apply(a, b, src, dst);
}

torch::Tensor messageSums(const torch::Tensor& e, const torch::Tensor& src, const torch::Tensor& dst,
                          std::int64_t num_nodes, bool separate) {
  if (!onOwnKernels({e}, src, dst)) {
    const auto zeros = torch::zeros({num_nodes, e.size(1)}, e.options());
    const auto incoming = zeros.index_add(0, dst, e);
    const auto outgoing = zeros.index_add(0, src, e);
    return separate ? torch::cat({incoming, outgoing}, 1) : incoming + outgoing;
  }
  return MessageSumsFunction::apply(e, src, dst, num_nodes, separate);
}

}  // namespace efgnn
