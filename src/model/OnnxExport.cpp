#include "model/OnnxExport.hpp"

#include "core/Error.hpp"

namespace efgnn {
OnnxNames OnnxNames::of(const std::string& convention) {
  if (convention == "acts") return {};
  if (convention == "reference") return {"node_features", "edge_list", "edge_attr", "output"};
  throw Error("ONNX names: expected acts or reference, got '" + convention + "'");
}
}  // namespace efgnn

#ifndef EFGNN_HAVE_ONNX
namespace efgnn {
std::string onnxModelOf(const runtime::ModelFile&, const std::string& source, const OnnxNames&) {
  throw Error(source + ": this efgnn was built without ONNX support (Debian libonnx-dev and protobuf)");
}
}  // namespace efgnn
#else
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <cmath>

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
    onnx::TensorProto* t = initializer(stem, onnx::TensorProto::FLOAT, dims);
    for (const float v : values) t->add_float_data(v);
    return t->name();
  }

  std::string int64s(const std::string& stem, const std::vector<std::int64_t>& dims,
                     const std::vector<std::int64_t>& values) {
    onnx::TensorProto* t = initializer(stem, onnx::TensorProto::INT64, dims);
    for (const auto v : values) t->add_int64_data(v);
    return t->name();
  }

  /// An int8 or uint8 tensor; ONNX stores such values in int32_data.
  std::string smallInts(const std::string& stem, onnx::TensorProto::DataType type,
                        const std::vector<std::int64_t>& dims, const std::vector<std::int32_t>& values) {
    onnx::TensorProto* t = initializer(stem, type, dims);
    for (const auto v : values) t->add_int32_data(v);
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
  /// A new initializer with a unique name, its type and shape; the caller adds the values.
  onnx::TensorProto* initializer(const std::string& stem, onnx::TensorProto::DataType type,
                                 const std::vector<std::int64_t>& dims) {
    onnx::TensorProto* t = graph_.add_initializer();
    t->set_name(fresh(stem));
    t->set_data_type(type);
    for (const auto d : dims) t->add_dims(d);
    return t;
  }

  onnx::GraphProto& graph_;
  int counter_ = 0;
};

void intAttribute(onnx::NodeProto* n, const std::string& name, std::int64_t v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}

void intsAttribute(onnx::NodeProto* n, const std::string& name, const std::vector<std::int64_t>& v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (const auto x : v) a->add_ints(x);
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

/// A Linear layer of the model file: its weight dense [out, in], as floats (float models) or as
/// integer codes with zeros where pruned and their scale ([1] per tensor or [out] per channel).
struct Layer {
  int in = 0, out = 0;
  const std::vector<float>* weight = nullptr;  // float models
  std::vector<std::int32_t> codes;             // integer models (int8 values)
  const std::vector<float>* weight_scale = nullptr;
  const std::vector<float>* bias = nullptr;
};

/// Columns [from, from + count) of a row-major [out, in] weight, transposed: a MatMul operand [count, out].
template <class T>
std::vector<T> transposedColumns(const std::vector<T>& w, const Layer& l, int from, int count) {
  std::vector<T> wt(static_cast<std::size_t>(count) * l.out);
  for (int o = 0; o < l.out; ++o)
    for (int k = 0; k < count; ++k)
      wt[static_cast<std::size_t>(k) * l.out + o] = w[static_cast<std::size_t>(o) * l.in + from + k];
  return wt;
}

/// Builds the network. Integer models (quantization-aware trained) in QCDQ form, so that ONNX
/// tools see the integer grids the runtime computes on: int8 weights dequantized by
/// DequantizeLinear, and every quantizer of the trained model (inputs, LayerNorm outputs,
/// activations) as QuantizeLinear -> Clip -> DequantizeLinear (grids of at most 8 bits).
class OnnxModelBuilder {
 public:
  OnnxModelBuilder(const ModelFile& file, const std::string& source, onnx::GraphProto& graph)
      : file_(file), source_(source), a_(Architecture::of(file, source)), g_(graph) {}

  /// The layer `name` with `in` inputs.
  Layer layer(const std::string& name, int in) const {
    Layer l;
    l.in = in;
    const auto* b = file_.find(name + ".bias");
    if (!b || b->dims.size() != 1) throw Error(source_ + ": no layer " + name);
    l.out = static_cast<int>(b->dims[0]);
    l.bias = &b->f32;
    if (!a_.integer()) {
      const auto* w = file_.find(name + ".weight");
      if (!w ||
          w->dims != std::vector<std::uint64_t>{static_cast<std::uint64_t>(l.out), static_cast<std::uint64_t>(in)})
        throw Error(source_ + ": no layer " + name + " of " + std::to_string(in) + " inputs");
      l.weight = &w->f32;
      return l;
    }
    const auto* positions = file_.find(name + ".weight_nonzero");
    const auto* codes = file_.find(name + ".weight_codes");
    const auto* scale = file_.find(name + ".weight_scale");
    if (!positions || !codes || !scale || positions->i32.size() != codes->i8.size() ||
        (scale->f32.size() != 1 && scale->f32.size() != static_cast<std::size_t>(l.out)))
      throw Error(source_ + ": no integer layer " + name + " (weight_nonzero, weight_codes, weight_scale)");
    const auto size = static_cast<std::size_t>(l.out) * in;
    l.codes.assign(size, 0);
    for (std::size_t i = 0; i < positions->i32.size(); ++i) {
      const std::int32_t p = positions->i32[i];
      if (p < 0 || static_cast<std::size_t>(p) >= size)
        throw Error(source_ + ": " + name + ".weight_nonzero: position " + std::to_string(p) + " outside " +
                    std::to_string(l.out) + " x " + std::to_string(in));
      l.codes[static_cast<std::size_t>(p)] = codes->i8[i];
    }
    l.weight_scale = &scale->f32;
    return l;
  }

  /// x [rows, from:from+count] W[:, from:from+count]^T as MatMul with a transposed initializer.
  std::string matmul(const std::string& x, const Layer& l, int from, int count) {
    const std::vector<std::int64_t> dims{count, l.out};
    if (!a_.integer())
      return g_.op("MatMul", {x, g_.floats("weight", dims, transposedColumns(*l.weight, l, from, count))});
    // Per channel, the output channel is axis 1 of the transposed weight.
    const bool per_channel = l.weight_scale->size() > 1;
    const std::vector<std::int64_t> scale_dims =
        per_channel ? std::vector<std::int64_t>{l.out} : std::vector<std::int64_t>{};
    onnx::NodeProto* weight = g_.node(
        "DequantizeLinear",
        {g_.smallInts("weight_codes", onnx::TensorProto::INT8, dims, transposedColumns(l.codes, l, from, count)),
         g_.floats("weight_scale", scale_dims, *l.weight_scale),
         g_.smallInts("weight_zero_point", onnx::TensorProto::INT8, scale_dims,
                      std::vector<std::int32_t>(l.weight_scale->size(), 0))});
    if (per_channel) intAttribute(weight, "axis", 1);
    return g_.op("MatMul", {x, weight->output(0)});
  }

  std::string bias(const std::string& y, const Layer& l) {
    return g_.op("Add", {y, g_.floats("bias", {l.out}, *l.bias)});
  }

  /// y [rows, columns] on the grid of `quantizer` (integer models; float models pass y through):
  /// one scale, or one per column (`columns` > 1), codes in [-(2^(bits-1) - 1), 2^(bits-1) - 1]
  /// (signed narrow) or [0, 2^bits - 1].
  std::string quantize(const std::string& y, const std::string& quantizer, int columns, int bits, bool is_signed) {
    if (!a_.integer()) return y;
    const auto* s = file_.find(quantizer + ".scale");
    if (!s || s->f32.size() != static_cast<std::size_t>(columns))
      throw Error(source_ + ": " + quantizer + ".scale: expected " + std::to_string(columns) + " value(s)");
    for (const float v : s->f32)
      if (!(v > 0) || !std::isfinite(v)) throw Error(source_ + ": " + quantizer + ".scale: scales must be positive");
    const bool per_column = columns > 1;
    const std::vector<std::int64_t> dims =
        per_column ? std::vector<std::int64_t>{columns} : std::vector<std::int64_t>{};
    const std::string scale = g_.floats("scale", dims, s->f32);
    const int max = is_signed ? (1 << (bits - 1)) - 1 : (1 << bits) - 1, min = is_signed ? -max : 0;
    if (bits > 8) {
      // Opset 17's QuantizeLinear has 8-bit outputs only (int16 came with opset 21, newer than
      // Debian's ONNX 1.12): wider grids are the same arithmetic in float, as the trained model's
      // fake quantizer: y / scale rounded half to even (Round), clipped, times the scale.
      const std::string codes = g_.op("Clip", {g_.op("Round", {g_.op("Div", {y, scale})}),
                                               g_.floats("min", {}, {float(min)}), g_.floats("max", {}, {float(max)})});
      return g_.op("Mul", {codes, scale});
    }
    const auto type = is_signed ? onnx::TensorProto::INT8 : onnx::TensorProto::UINT8;
    const std::string zero = g_.smallInts("zero_point", type, dims, std::vector<std::int32_t>(s->f32.size(), 0));
    onnx::NodeProto* q = g_.node("QuantizeLinear", {y, scale, zero});
    // QuantizeLinear saturates to the whole 8-bit range; the grid may be narrower (and is
    // symmetric when signed).
    const std::string clipped =
        g_.op("Clip", {q->output(0), g_.smallInts("min", type, {}, {min}), g_.smallInts("max", type, {}, {max})});
    onnx::NodeProto* dq = g_.node("DequantizeLinear", {clipped, scale, zero});
    if (per_column) {
      intAttribute(q, "axis", 1);
      intAttribute(dq, "axis", 1);
    }
    return dq->output(0);
  }

  /// Input features on their grid (one scale per feature).
  std::string features(const std::string& input, const std::string& quantizer, int count) {
    return quantize(input, quantizer, count, a_.quant.input_bits, true);
  }

  /// LayerNorm (eps 1e-5, no affine parameters: scale 1, bias 0) and the activation of layer k of
  /// MLP `prefix`, with the quantizers of an integer model after each.
  /// `last`: the last layer of a hidden MLP, finished as the model file says.
  std::string finish(std::string y, const std::string& prefix, std::size_t k, int width, bool last) {
    const std::string index = std::to_string(k);
    if (a_.layernorm && (!last || a_.output_norm)) {
      onnx::NodeProto* n = g_.node("LayerNormalization", {y, g_.floats("ones", {width}, std::vector<float>(width, 1.f)),
                                                          g_.floats("zeros", {width}, std::vector<float>(width, 0.f))});
      intAttribute(n, "axis", -1);
      floatAttribute(n, "epsilon", 1e-5f);
      y = n->output(0);
      if (a_.quant.norm_bits) y = quantize(y, prefix + ".norm_quant" + index, 1, a_.quant.norm_bits, true);
    }
    if (a_.batchnorm && (!last || a_.output_norm)) y = batchNorm(y, prefix + ".norm" + index, width);
    return quantize(activate(y, last ? a_.output_activation : a_.activation), prefix + ".act_quant" + index, 1,
                    a_.quant.activation_bits, false);
  }

  /// BatchNorm on the graph's own statistics (the runtime's batchNormalizeAndActivate): each
  /// column's mean and biased variance over all rows, then the scale and shift of `name`.
  std::string batchNorm(const std::string& y, const std::string& name, int width) {
    const auto* w = file_.find(name + ".weight");
    const auto* b = file_.find(name + ".bias");
    if (!w || !b || w->f32.size() != static_cast<std::size_t>(width) || b->f32.size() != static_cast<std::size_t>(width))
      throw Error(source_ + ": missing " + name + ".weight or .bias of a BatchNorm model");
    const auto columnMean = [&](const std::string& x) {
      onnx::NodeProto* n = g_.node("ReduceMean", {x});
      intsAttribute(n, "axes", {0});
      intAttribute(n, "keepdims", 1);
      return n->output(0);
    };
    const std::string centred = g_.op("Sub", {y, columnMean(y)});
    const std::string variance = columnMean(g_.op("Mul", {centred, centred}));
    const std::string scale = g_.op("Sqrt", {g_.op("Add", {variance, g_.floats("eps", {}, {a_.batchnorm_eps})})});
    return g_.op("Add", {g_.op("Mul", {g_.op("Div", {centred, scale}), g_.floats("bn_weight", {width}, w->f32)}),
                         g_.floats("bn_bias", {width}, b->f32)});
  }

  std::string activate(const std::string& y, const std::string& activation) {
    if (activation == "None") return y;
    if (activation == "ReLU") return g_.op("Relu", {y});
    if (activation == "Tanh") return g_.op("Tanh", {y});
    return g_.op("Mul", {y, g_.op("Sigmoid", {y})});  // SiLU
  }

  /// The layers after the first, from the first layer's pre-activation `h` of `width` columns.
  std::string mlpFrom(const std::string& prefix, std::string h, int width, std::size_t layers, bool activate_last) {
    for (std::size_t k = 0; k < layers; ++k) {
      if (k > 0) {
        const Layer l = layer(prefix + ".linear" + std::to_string(k), width);
        h = bias(matmul(h, l, 0, l.in), l);
        width = l.out;
      }
      const bool last = k + 1 == layers;
      if (!last || activate_last) h = finish(h, prefix, k, width, last);
    }
    return h;
  }

  std::string mlp(const std::string& prefix, const std::string& x, int in, std::size_t layers,
                  bool activate_last = true) {
    const Layer first = layer(prefix + ".linear0", in);
    return mlpFrom(prefix, bias(matmul(x, first, 0, in), first), first.out, layers, activate_last);
  }

  /// MLP over [e, x_src, x_dst]: node parts multiplied per node, gathered per edge.
  std::string edgeMlp(const std::string& prefix, const std::string& e, int edge_width, const std::string& x,
                      int node_width, const std::string& src, const std::string& dst, std::size_t layers) {
    const Layer first = layer(prefix + ".linear0", edge_width + 2 * node_width);
    const auto gather = [&](const std::string& table, const std::string& index) {
      onnx::NodeProto* n = g_.node("Gather", {table, index});
      intAttribute(n, "axis", 0);
      return n->output(0);
    };
    std::string h = g_.op("Add", {gather(matmul(x, first, edge_width, node_width), src),
                                  gather(matmul(x, first, edge_width + node_width, node_width), dst)});
    if (edge_width > 0) h = g_.op("Add", {h, matmul(e, first, 0, edge_width)});
    return mlpFrom(prefix, bias(h, first), first.out, layers, true);
  }

  /// Sum of edge rows e [E, h] into nodes by `index` [E, 1]: ScatterND(add) on zeros [N, h].
  std::string scatterAdd(const std::string& e, const std::string& index, const std::string& zeros) {
    onnx::NodeProto* n = g_.node("ScatterND", {zeros, index, e});
    stringAttribute(n, "reduction", "add");
    return n->output(0);
  }

  void build() {
    const int h = a_.hidden;
    const auto edge_layers = static_cast<std::size_t>(a_.edge_layers),
               node_layers = static_cast<std::size_t>(a_.node_layers);
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

    std::string x =
        mlp("node_encoder", features("x", "node_input_quant", a_.node_features), a_.node_features, node_layers);
    std::string e = a_.edge_features > 0
                        ? mlp("edge_encoder", features("edge_attr", "edge_input_quant", a_.edge_features),
                              a_.edge_features, edge_layers)
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
      x = mlp("node_network" + std::to_string(ni), node_input->output(0), a_.messageWidth() + state, node_layers);
    }
    const std::string decoded = mlp("edge_decoder", e, h, edge_layers);
    const std::string logits = mlp("output", decoded, h, 2, false);
    g_.node("Squeeze", {logits, g_.int64s("axes", {1}, {1})}, "output");
  }

 private:
  const ModelFile& file_;
  const std::string& source_;
  Architecture a_;
  GraphBuilder g_;
};

}  // namespace

std::string onnxModelOf(const ModelFile& file, const std::string& source, const OnnxNames& names) {
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.set_producer_name("efgnn");
  auto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(17);
  onnx::GraphProto& graph = *model.mutable_graph();
  graph.set_name("InteractionGNN2");
  const Architecture a = Architecture::of(file, source);
  // The builder's graph uses the ACTS names; other names lead onto them through Identity nodes.
  const OnnxNames internal;
  {
    const std::vector<std::string> chosen{names.x, names.edge_index, names.edge_attr, names.output},
        fixed{internal.x, internal.edge_index, internal.edge_attr, internal.output};
    for (std::size_t i = 0; i < chosen.size(); ++i) {
      if (chosen[i].empty()) throw Error(source + ": ONNX names: an empty name");
      for (std::size_t k = 0; k < chosen.size(); ++k)
        if ((k != i && chosen[k] == chosen[i]) || (k != i && chosen[i] != fixed[i] && chosen[i] == fixed[k]))
          throw Error(source + ": ONNX names: '" + chosen[i] + "' names two tensors");
    }
  }
  const auto input = [&](const std::string& name, const std::string& internal_name, onnx::TensorProto::DataType type,
                         const std::string& rows, std::int64_t cols) {
    onnx::ValueInfoProto* v = graph.add_input();
    v->set_name(name);
    auto* t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(type);
    auto* shape = t->mutable_shape();
    if (internal_name == "edge_index") shape->add_dim()->set_dim_value(2);
    shape->add_dim()->set_dim_param(rows);
    if (internal_name != "edge_index") shape->add_dim()->set_dim_value(cols);
    if (name != internal_name) {
      onnx::NodeProto* n = graph.add_node();
      n->set_op_type("Identity");
      n->add_input(name);
      n->add_output(internal_name);
    }
  };
  input(names.x, internal.x, onnx::TensorProto::FLOAT, "num_nodes", a.node_features);
  input(names.edge_index, internal.edge_index, onnx::TensorProto::INT64, "num_edges", 0);
  if (a.edge_features > 0)
    input(names.edge_attr, internal.edge_attr, onnx::TensorProto::FLOAT, "num_edges", a.edge_features);
  onnx::ValueInfoProto* out = graph.add_output();
  out->set_name(names.output);
  out->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  out->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_param("num_edges");

  OnnxModelBuilder(file, source, graph).build();
  if (names.output != internal.output) {
    onnx::NodeProto* n = graph.add_node();
    n->set_op_type("Identity");
    n->add_input(internal.output);
    n->add_output(names.output);
  }
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    throw Error(source + ": the ONNX checker refuses the exported model: " + e.what());
  }
  return model.SerializeAsString();
}

}  // namespace efgnn
#endif  // EFGNN_HAVE_ONNX
