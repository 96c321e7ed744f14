#include "model/OnnxExport.hpp"

#include "core/Error.hpp"

#ifndef EFGNN_HAVE_ONNX
namespace efgnn {
std::string onnxModelOf(const runtime::ModelFile&, const std::string& source) {
  throw Error(source + ": this efgnn was built without ONNX support (Debian libonnx-dev and protobuf)");
}
}  // namespace efgnn
#else
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

namespace efgnn {
namespace {

using runtime::Architecture;
using runtime::ModelFile;

/// Builds the graph node by node; names are unique ("name_K").
class GraphBuilder {
 public:
  explicit GraphBuilder(onnx::GraphProto& graph) : graph_(graph) {}

  std::string fresh(const std::string& stem) { return stem + "_" + std::to_string(counter_++); }

  std::string floats(const std::string& stem, const std::vector<std::int64_t>& dims, const std::vector<float>& values) {
    onnx::TensorProto* t = graph_.add_initializer();
    t->set_name(fresh(stem));
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (const auto d : dims) t->add_dims(d);
    for (const float v : values) t->add_float_data(v);
    return t->name();
  }

  std::string int64s(const std::string& stem, const std::vector<std::int64_t>& dims,
                     const std::vector<std::int64_t>& values) {
    onnx::TensorProto* t = graph_.add_initializer();
    t->set_name(fresh(stem));
    t->set_data_type(onnx::TensorProto::INT64);
    for (const auto d : dims) t->add_dims(d);
    for (const auto v : values) t->add_int64_data(v);
    return t->name();
  }

  onnx::NodeProto* node(const std::string& op, const std::vector<std::string>& inputs, const std::string& output = "") {
    onnx::NodeProto* n = graph_.add_node();
    n->set_op_type(op);
    n->set_name(fresh(op));
    for (const auto& i : inputs) n->add_input(i);
    n->add_output(output.empty() ? fresh(op + "_out") : output);
    return n;
  }
  std::string op(const std::string& op, const std::vector<std::string>& inputs) { return node(op, inputs)->output(0); }

 private:
  onnx::GraphProto& graph_;
  int counter_ = 0;
};

void intAttribute(onnx::NodeProto* n, const std::string& name, std::int64_t v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}

void floatAttribute(onnx::NodeProto* n, const std::string& name, float v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(v);
}

void stringAttribute(onnx::NodeProto* n, const std::string& name, const std::string& v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(v);
}

/// A layer's weight [out, in] of the model file as a MatMul operand [in, out] (columns
/// [from, from + count) of the input only), and its bias.
struct Layer {
  const runtime::NamedArray *weight, *bias;
  int out() const { return static_cast<int>(weight->dims[0]); }
  int in() const { return static_cast<int>(weight->dims[1]); }
};

class OnnxModelBuilder {
 public:
  OnnxModelBuilder(const ModelFile& file, const std::string& source, onnx::GraphProto& graph)
      : file_(file), source_(source), a_(Architecture::of(file, source)), g_(graph) {}

  Layer layer(const std::string& name) const {
    const auto* w = file_.find(name + ".weight");
    const auto* b = file_.find(name + ".bias");
    if (!w || !b || w->dims.size() != 2) throw Error(source_ + ": no layer " + name);
    return {w, b};
  }

  /// x [rows, from:from+count] W[:, from:from+count]^T as MatMul with a transposed initializer.
  std::string matmul(const std::string& x, const Layer& l, int from, int count) {
    std::vector<float> wt(static_cast<std::size_t>(count) * l.out());
    for (int o = 0; o < l.out(); ++o)
      for (int k = 0; k < count; ++k)
        wt[static_cast<std::size_t>(k) * l.out() + o] = l.weight->f32[static_cast<std::size_t>(o) * l.in() + from + k];
    return g_.op("MatMul", {x, g_.floats("weight", {count, l.out()}, wt)});
  }

  std::string bias(const std::string& y, const Layer& l) { return g_.op("Add", {y, g_.floats("bias", {l.out()}, l.bias->f32)}); }

  /// LayerNorm (eps 1e-5, no affine parameters: scale 1, bias 0) and the activation.
  std::string finish(std::string y, int width) {
    if (a_.layernorm) {
      onnx::NodeProto* n = g_.node("LayerNormalization", {y, g_.floats("ones", {width}, std::vector<float>(width, 1.f)),
                                                          g_.floats("zeros", {width}, std::vector<float>(width, 0.f))});
      intAttribute(n, "axis", -1);
      floatAttribute(n, "epsilon", 1e-5f);
      y = n->output(0);
    }
    if (a_.activation == "ReLU") return g_.op("Relu", {y});
    if (a_.activation == "Tanh") return g_.op("Tanh", {y});
    return g_.op("Mul", {y, g_.op("Sigmoid", {y})});  // SiLU
  }

  /// The layers after the first, from the first layer's pre-activation `h`.
  std::string mlpFrom(const std::string& prefix, std::string h, std::size_t layers, bool activate_last) {
    for (std::size_t k = 0; k < layers; ++k) {
      const Layer l = layer(prefix + ".linear" + std::to_string(k));
      if (k > 0) h = bias(matmul(h, l, 0, l.in()), l);
      const bool last = k + 1 == layers;
      if (!last || activate_last) h = finish(h, l.out());
    }
    return h;
  }

  std::string mlp(const std::string& prefix, const std::string& x, std::size_t layers, bool activate_last = true) {
    const Layer first = layer(prefix + ".linear0");
    return mlpFrom(prefix, bias(matmul(x, first, 0, first.in()), first), layers, activate_last);
  }

  /// MLP over [e, x_src, x_dst]: node parts multiplied per node, gathered per edge.
  std::string edgeMlp(const std::string& prefix, const std::string& e, int edge_width, const std::string& x,
                      int node_width, const std::string& src, const std::string& dst, std::size_t layers) {
    const Layer first = layer(prefix + ".linear0");
    const auto gather = [&](const std::string& table, const std::string& index) {
      onnx::NodeProto* n = g_.node("Gather", {table, index});
      intAttribute(n, "axis", 0);
      return n->output(0);
    };
    std::string h = g_.op("Add", {gather(matmul(x, first, edge_width, node_width), src),
                                  gather(matmul(x, first, edge_width + node_width, node_width), dst)});
    if (edge_width > 0) h = g_.op("Add", {h, matmul(e, first, 0, edge_width)});
    return mlpFrom(prefix, bias(h, first), layers, true);
  }

  /// Sum of edge rows e [E, h] into nodes by `index` [E, 1]: ScatterND(add) on zeros [N, h].
  std::string scatterAdd(const std::string& e, const std::string& index, const std::string& zeros) {
    onnx::NodeProto* n = g_.node("ScatterND", {zeros, index, e});
    stringAttribute(n, "reduction", "add");
    return n->output(0);
  }

  void build() {
    const int h = a_.hidden;
    const auto edge_layers = static_cast<std::size_t>(a_.edge_layers), node_layers = static_cast<std::size_t>(a_.node_layers);
    const auto row = [&](std::int64_t i) {
      onnx::NodeProto* n = g_.node("Gather", {"edge_index", g_.int64s("row", {}, {i})});
      intAttribute(n, "axis", 0);
      return n->output(0);
    };
    const std::string src = row(0), dst = row(1);
    const auto column = [&](const std::string& v) { return g_.op("Unsqueeze", {v, g_.int64s("axes", {1}, {1})}); };
    const std::string src_index = column(src), dst_index = column(dst);
    // zeros [N, h], the start of the sums over edges
    onnx::NodeProto* n_nodes = g_.node("Gather", {g_.op("Shape", {"x"}), g_.int64s("first", {1}, {0})});
    intAttribute(n_nodes, "axis", 0);
    onnx::NodeProto* shape = g_.node("Concat", {n_nodes->output(0), g_.int64s("h", {1}, {h})});
    intAttribute(shape, "axis", 0);
    const std::string zeros_shape = shape->output(0);
    onnx::NodeProto* zeros_node = g_.node("ConstantOfShape", {zeros_shape});
    {
      auto* attr = zeros_node->add_attribute();
      attr->set_name("value");
      attr->set_type(onnx::AttributeProto::TENSOR);
      auto* t = attr->mutable_t();
      t->set_data_type(onnx::TensorProto::FLOAT);
      t->add_dims(1);
      t->add_float_data(0.f);
    }
    const std::string zeros = zeros_node->output(0);

    std::string x = mlp("node_encoder", "x", node_layers);
    std::string e = a_.edge_features > 0 ? mlp("edge_encoder", "edge_attr", edge_layers)
                                         : edgeMlp("edge_encoder.mlp", "", 0, x, h, src, dst, edge_layers);
    const std::string x0 = x, e0 = e;
    const int state = a_.stateWidth();
    for (int i = 0; i < a_.iterations; ++i) {
      if (a_.concat) {
        onnx::NodeProto* cx = g_.node("Concat", {x, x0});
        intAttribute(cx, "axis", 1);
        onnx::NodeProto* ce = g_.node("Concat", {e, e0});
        intAttribute(ce, "axis", 1);
        x = cx->output(0);
        e = ce->output(0);
      }
      const int ei = a_.edgeNetworks() == 1 ? 0 : i, ni = a_.nodeNetworks() == 1 ? 0 : i;
      e = edgeMlp("edge_network" + std::to_string(ei) + ".mlp", e, state, x, state, src, dst, edge_layers);
      const std::string in = scatterAdd(e, dst_index, zeros), out = scatterAdd(e, src_index, zeros);
      onnx::NodeProto* node_input =
          a_.in_out_diff_agg ? g_.node("Concat", {in, out, x}) : g_.node("Concat", {g_.op("Add", {in, out}), x});
      intAttribute(node_input, "axis", 1);
      x = mlp("node_network" + std::to_string(ni), node_input->output(0), node_layers);
    }
    const std::string decoded = mlp("edge_decoder", e, edge_layers);
    const std::string logits = mlp("output", decoded, 2, false);
    g_.node("Squeeze", {logits, g_.int64s("axes", {1}, {1})}, "output");
  }

 private:
  const ModelFile& file_;
  const std::string& source_;
  Architecture a_;
  GraphBuilder g_;
};

}  // namespace

std::string onnxModelOf(const ModelFile& file, const std::string& source) {
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.set_producer_name("efgnn");
  auto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(17);
  onnx::GraphProto& graph = *model.mutable_graph();
  graph.set_name("InteractionGNN2");
  const Architecture a = Architecture::of(file, source);
  const auto input = [&](const std::string& name, onnx::TensorProto::DataType type, const std::string& rows,
                         std::int64_t cols) {
    onnx::ValueInfoProto* v = graph.add_input();
    v->set_name(name);
    auto* t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(type);
    auto* shape = t->mutable_shape();
    if (name == "edge_index") shape->add_dim()->set_dim_value(2);
    shape->add_dim()->set_dim_param(rows);
    if (name != "edge_index") shape->add_dim()->set_dim_value(cols);
  };
  input("x", onnx::TensorProto::FLOAT, "num_nodes", a.node_features);
  input("edge_index", onnx::TensorProto::INT64, "num_edges", 0);
  if (a.edge_features > 0) input("edge_attr", onnx::TensorProto::FLOAT, "num_edges", a.edge_features);
  onnx::ValueInfoProto* out = graph.add_output();
  out->set_name("output");
  out->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  out->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_param("num_edges");

  OnnxModelBuilder(file, source, graph).build();
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    throw Error(source + ": the ONNX checker refuses the exported model: " + e.what());
  }
  return model.SerializeAsString();
}

}  // namespace efgnn
#endif  // EFGNN_HAVE_ONNX
