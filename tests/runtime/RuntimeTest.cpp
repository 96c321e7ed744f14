#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <random>

#include "TempDirTest.hpp"
#include "benchmark/OnnxRuntimeRunner.hpp"
#include "core/Error.hpp"
#include "model/InteractionGnn.hpp"
#include "model/ModelExport.hpp"
#include "model/OnnxExport.hpp"
#include "runtime/EdgeClassifier.hpp"
#include "runtime/IntegerKernels.hpp"

#ifdef EFGNN_HAVE_ONNX
#include <onnx/onnx_pb.h>
#endif

namespace efgnn {
namespace {

using runtime::EdgeClassifier;
using runtime::GraphInput;
using runtime::Isa;

/// The runtime's configuration for an instruction set: the kernels of every set this CPU has
/// are tested (the widths of their vectors, and so their tiles and loops, differ).
EdgeClassifier::Config on(Isa isa, EdgeClassifier::Config c = {}) {
  c.isa = isa;
  return c;
}

struct RandomGraph {
  std::vector<float> x, edge_attr;
  std::vector<std::int64_t> edge_index;  // [2, E]
  std::size_t nodes = 0, edges = 0, node_features = 0, edge_features = 0;
  GraphInput input() const {
    return {x.data(),     nodes, node_features, edge_index.data(), edges, edge_features ? edge_attr.data() : nullptr,
            edge_features};
  }
};

RandomGraph randomGraph(std::size_t nodes, std::size_t edges, int node_features, int edge_features, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  std::uniform_int_distribution<std::int64_t> node(0, static_cast<std::int64_t>(nodes) - 1);
  RandomGraph g;
  g.nodes = nodes;
  g.edges = edges;
  g.node_features = static_cast<std::size_t>(node_features);
  g.edge_features = static_cast<std::size_t>(edge_features);
  for (std::size_t i = 0; i < nodes * g.node_features; ++i) g.x.push_back(normal(rng));
  for (std::size_t i = 0; i < edges * g.edge_features; ++i) g.edge_attr.push_back(normal(rng));
  g.edge_index.resize(2 * edges);
  for (auto& v : g.edge_index) v = node(rng);
  return g;
}

/// The model's logits for a graph; `dtype`: the precision of the model's parameters.
torch::Tensor reference(EdgeClassifierModel& model, const RandomGraph& g, torch::Dtype dtype = torch::kFloat) {
  torch::NoGradGuard no_grad;
  const auto x =
      torch::from_blob(const_cast<float*>(g.x.data()), {static_cast<long>(g.nodes), static_cast<long>(g.node_features)})
          .to(dtype, /*non_blocking=*/false, /*copy=*/true);
  const auto ei =
      torch::from_blob(const_cast<std::int64_t*>(g.edge_index.data()), {2, static_cast<long>(g.edges)}, torch::kInt64)
          .clone();
  torch::Tensor attr;
  if (g.edge_features)
    attr = torch::from_blob(const_cast<float*>(g.edge_attr.data()),
                            {static_cast<long>(g.edges), static_cast<long>(g.edge_features)})
               .to(dtype, /*non_blocking=*/false, /*copy=*/true);
  return model.forward(x, ei, attr).contiguous();
}

ModelConfig smallConfig() {
  ModelConfig c;
  c.hidden = 12;
  c.n_graph_iters = 3;
  return c;
}

/// Largest difference relative to max(1, |reference logit|).
double maxRelativeDifference(const std::vector<float>& got, const torch::Tensor& want) {
  double worst = 0;
  const float* w = want.data_ptr<float>();
  for (std::size_t k = 0; k < got.size(); ++k)
    worst = std::max(worst, std::abs(double(got[k]) - w[k]) / std::max(1.0, std::abs(double(w[k]))));
  return worst;
}

TEST(Runtime, FloatMatchesLibTorchOnGraphsOfManySizes) {
  torch::manual_seed(3);
  std::vector<ModelConfig> configs;
  configs.push_back(smallConfig());
  ModelConfig no_edge_features = smallConfig();
  no_edge_features.edge_features = 0;
  no_edge_features.hidden_activation = "SiLU";
  configs.push_back(no_edge_features);
  ModelConfig plain = smallConfig();
  plain.concat = false;
  plain.in_out_diff_agg = false;
  plain.layernorm = false;
  plain.edge_net_recurrent = true;
  plain.hidden_activation = "Tanh";
  configs.push_back(plain);
  // Widths of whole 16-float vectors take the register-blocked kernels (two rows at a time,
  // finished in registers): 16 and 48 wide layers, 32 and 96 wide node parts.
  for (const int hidden : {16, 48}) {
    ModelConfig vectors = smallConfig();
    vectors.hidden = hidden;
    configs.push_back(vectors);
  }
  configs.back().edge_features = 0;  // and the edge encoder without inputs of its own
  configs.back().hidden_activation = "SiLU";
  // MLPs ended as the reference pipeline's: no LayerNorm after their last layer, and their own
  // activation or none, in the plain and the register-blocked kernels.
  for (const int hidden : {12, 16}) {
    for (const char* last : {"None", "Tanh"}) {
      ModelConfig reference_ends = smallConfig();
      reference_ends.hidden = hidden;
      reference_ends.output_norm = false;
      reference_ends.output_activation = last;
      configs.push_back(reference_ends);
    }
  }
  // BatchNorm with running statistics, folded into the Linear layers at export.
  ModelConfig batchnorm = smallConfig();
  batchnorm.layernorm = false;
  batchnorm.batchnorm = true;
  batchnorm.track_running_stats = true;
  configs.push_back(batchnorm);
  // BatchNorm on each graph's own statistics (the reference's CTD model), with the reference's
  // ends, without edge features.
  ModelConfig batch_statistics = batchnorm;
  batch_statistics.track_running_stats = false;
  batch_statistics.output_activation = "Tanh";
  batch_statistics.edge_features = 0;
  configs.push_back(batch_statistics);
  for (const auto& config : configs) {
    auto model = makeModel(config);
    if (config.batchnorm) {
      // Running statistics away from the initial (0, 1): a few forward passes in training mode.
      const auto g = randomGraph(50, 200, config.node_features, config.edge_features, 5);
      for (int pass = 0; pass < 3; ++pass) reference(*model, g);
    }
    model->eval();
    for (const Isa isa : runtime::supportedIsas()) {
      const EdgeClassifier runtime(toModelFile(*model), "test", on(isa));
      for (const auto& [nodes, edges] :
           {std::pair<std::size_t, std::size_t>{1, 0}, {2, 1}, {5, 7}, {60, 300}, {700, 2500}}) {
        const auto g =
            randomGraph(nodes, edges, config.node_features, config.edge_features, static_cast<unsigned>(edges));
        const auto got = runtime.logits(g.input());
        ASSERT_EQ(got.size(), edges);
        if (edges == 0) continue;
        // BatchNorm on batch statistics has no statistics of one row: LibTorch refuses it.
        if (config.batchnorm && !config.track_running_stats && edges == 1) continue;
        const torch::Tensor want = reference(*model, g);
        const double diff = maxRelativeDifference(got, want);
        char text[32];
        std::snprintf(text, sizeof text, "%.3g", diff);
        RecordProperty("max_relative_difference_" + runtime::nameOf(isa) + "_" + std::to_string(edges), text);
        // On batch statistics, columns of nearly equal values (untrained ReLU layers) are divided
        // by their tiny spread, which magnifies float rounding, LibTorch's as much as the
        // runtime's: both are held to the exact result (LibTorch in double) instead.
        double bound = 1e-5;
        if (config.batchnorm && !config.track_running_stats) {
          model->to(torch::kDouble);
          const auto exact = reference(*model, g, torch::kDouble).to(torch::kFloat);
          model->to(torch::kFloat);
          const double libtorch = maxRelativeDifference(std::vector<float>(want.data_ptr<float>(), want.data_ptr<float>() + edges), exact);
          bound = std::max(bound, 2 * libtorch);
          EXPECT_LT(maxRelativeDifference(got, exact), bound) << "from LibTorch in double, " << runtime::nameOf(isa);
        }
        EXPECT_LT(diff, bound) << config.toYaml() << " with " << nodes << " nodes, " << edges << " edges, "
                              << runtime::nameOf(isa);
      }
    }
  }
}

TEST(Runtime, PrunedWeightsAreExportedMasked) {
  torch::manual_seed(4);
  auto model = makeModel(smallConfig());
  model->eval();
  {
    torch::NoGradGuard no_grad;
    for (auto& l : linearLayers(*model)) l.layer->weight.masked_fill_(torch::rand_like(l.layer->weight) < 0.7, 0.f);
  }
  const EdgeClassifier runtime(toModelFile(*model), "test", {});
  const auto g = randomGraph(200, 900, 4, 6, 9);
  EXPECT_LT(maxRelativeDifference(runtime.logits(g.input()), reference(*model, g)), 1e-5);
}

TEST(Runtime, ResultsDoNotDependOnThreadsOrTiles) {
  torch::manual_seed(5);
  for (const int hidden : {12, 16, 48}) {  // the plain kernels and the two-row ones (odd tiles: a row alone)
    ModelConfig config = smallConfig();
    config.hidden = hidden;
    auto model = makeModel(config);
    const auto file = toModelFile(*model);
    const auto g = randomGraph(500, 3000, 4, 6, 1);
    for (const Isa isa : runtime::supportedIsas()) {
      const auto one = EdgeClassifier(file, "test", on(isa, {1, 256})).logits(g.input());
      for (const EdgeClassifier::Config c :
           {EdgeClassifier::Config{2, 256}, EdgeClassifier::Config{3, 7}, EdgeClassifier::Config{2, 1}})
        EXPECT_EQ(EdgeClassifier(file, "test", on(isa, c)).logits(g.input()), one)
            << "hidden " << hidden << ", " << c.threads << " threads, tile " << c.edge_tile << ", "
            << runtime::nameOf(isa);
    }
  }
}

TEST(Runtime, InstructionSetsAreNamedAndOnesTheCpuLacksAreRefused) {
  const auto isas = runtime::supportedIsas();
  ASSERT_FALSE(isas.empty());
  EXPECT_EQ(isas.front(), Isa::Base);
  EXPECT_EQ(runtime::resolve(Isa::Best), isas.back());
  for (const Isa isa : {Isa::Best, Isa::Base, Isa::Avx2, Isa::Avx512})
    EXPECT_EQ(runtime::isaNamed(runtime::nameOf(isa)), isa);
  EXPECT_THROW(runtime::isaNamed("neon"), std::invalid_argument);
  if (isas.back() == Isa::Avx512) GTEST_SKIP() << "this CPU has every instruction set";
  torch::manual_seed(6);
  const auto file = toModelFile(*makeModel(smallConfig()));
  try {
    EdgeClassifier(file, "test", on(Isa::Avx512));
    ADD_FAILURE() << "AVX-512 kernels accepted on a CPU without AVX-512";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("avx512"), std::string::npos) << e.what();
  }
}

TEST(Runtime, BadInputIsRefusedWithAClearMessage) {
  torch::manual_seed(6);
  auto model = makeModel(smallConfig());
  const EdgeClassifier runtime(toModelFile(*model), "test", {});
  const auto expectError = [&](const RandomGraph& g, const std::string& text) {
    try {
      runtime.logits(g.input());
      ADD_FAILURE() << "no error; expected " << text;
    } catch (const runtime::InputError& e) {
      EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
    }
  };
  auto g = randomGraph(10, 20, 4, 6, 2);
  auto wide = g;
  wide.node_features = 5;
  expectError(wide, "node features: 5 per node, the model takes 4");
  auto no_attr = g;
  no_attr.edge_features = 0;
  expectError(no_attr, "edge features: 0 per edge, the model takes 6");
  auto out_of_range = g;
  out_of_range.edge_index[25] = 10;
  expectError(out_of_range, "edge_index[1][5] = 10: not a node of a graph of 10 nodes");
  auto negative = g;
  negative.edge_index[3] = -1;
  expectError(negative, "edge_index[0][3] = -1");
  auto nan = g;
  nan.x[9] = std::nanf("");
  expectError(nan, "node 2, feature 1: not a finite number");
  auto no_edges = randomGraph(10, 0, 4, 6, 2);
  EXPECT_TRUE(runtime.logits(no_edges.input()).empty());
}

/// A quantization-aware trained model: quantizers calibrated on a random graph in training
/// mode, then evaluated.
std::shared_ptr<EdgeClassifierModel> calibratedQatModel(const ModelConfig& config, unsigned seed) {
  torch::manual_seed(seed);
  auto model = makeModel(config);
  model->train();
  reference(*model, randomGraph(300, 1200, config.node_features, config.edge_features, seed));
  model->eval();
  return model;
}

/// Loading `file` as `source` must throw a ModelFileError whose message contains `what`.
void expectRefused(const runtime::ModelFile& file, const std::string& source, const std::string& what) {
  try {
    EdgeClassifier(file, source, {});
    ADD_FAILURE() << source << " was accepted; expected " << what;
  } catch (const runtime::ModelFileError& e) {
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
  }
}

ModelConfig qatConfig() {
  ModelConfig c = smallConfig();
  c.quant.weight_bits = 6;
  c.quant.activation_bits = 6;
  c.quant.input_bits = 12;
  return c;
}

// The QAT model computes its quantized layers on the codes, in the runtime's order of float
// operations, and LayerNorm in float in a fixed order (Mlp.cpp, QuantLayers.cpp): the runtime
// must give the same logits to the last bit, for trained-model-like settings (LayerNorm between
// the integer layers, per-channel weight scales, norm quantizers, quantized biases, the pair
// encoder without edge features) and scales that are not powers of two, sparse and dense.
TEST(RuntimeInteger, ReproducesTheQatModelBitForBit) {
  ModelConfig with_norm = qatConfig();
  with_norm.quant.norm_bits = 8;
  with_norm.quant.weight_scaling = "per_channel";
  ModelConfig no_edge_features = qatConfig();
  no_edge_features.edge_features = 0;
  no_edge_features.edge_net_recurrent = true;
  ModelConfig quantized_bias = qatConfig();
  quantized_bias.layernorm = false;
  quantized_bias.quant.bias_bits = 12;
  ModelConfig separate_sums = qatConfig();
  separate_sums.in_out_diff_agg = false;
  separate_sums.concat = false;
  ModelConfig reference_ends = qatConfig();  // the reference pipeline's: no LayerNorm after the last layer
  reference_ends.output_norm = false;
  reference_ends.output_activation = "ReLU";
  reference_ends.quant.norm_bits = 8;
  std::size_t compared = 0;
  for (const auto& c : {qatConfig(), with_norm, no_edge_features, quantized_bias, separate_sums, reference_ends}) {
    auto model = calibratedQatModel(c, 22);
    const auto file = toModelFile(*model);
    ASSERT_EQ(file.settings.at("weights"), "integer");
    for (const Isa isa : runtime::supportedIsas())
      for (const bool sparse : {true, false}) {
        const EdgeClassifier runtime(file, "test", on(isa, {2, 256, sparse}));
        for (const auto& [nodes, edges] : {std::pair<std::size_t, std::size_t>{2, 1}, {60, 300}, {700, 3000}}) {
          const auto g = randomGraph(nodes, edges, c.node_features, c.edge_features, static_cast<unsigned>(edges));
          const auto want = reference(*model, g);
          const auto got = runtime.logits(g.input());
          ASSERT_EQ(got.size(), edges);
          for (std::size_t k = 0; k < edges; ++k)
            ASSERT_EQ(got[k], want.data_ptr<float>()[k])
                << "edge " << k << " of " << edges << (sparse ? " (sparse, " : " (dense, ") << runtime::nameOf(isa)
                << ")\n"
                << c.toYaml();
          compared += edges;
        }
      }
  }
  EXPECT_EQ(compared, 6u * 2u * 3301u * runtime::supportedIsas().size());
}

// The integer path rounds v x (1 / scale) where that gives the codes training computes by
// division, and divides where it cannot tell: every value next to a rounding boundary, on
// grids of many scales (the ones here are not powers of two, so 1 / scale is inexact), must
// get the code of clamp(round half to even(fl(v / scale))).
TEST(RuntimeInteger, GridCodesAreThoseOfDivisionAtEveryRoundingBoundary) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> log_scale(-12.f, 4.f);
  std::size_t values = 0, on_ties = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const float scale = std::exp2(log_scale(rng));
    const int hi = trial % 3 == 0 ? 63 : trial % 3 == 1 ? 255 : 2047, lo = trial % 3 == 2 ? -hi : 0;
    std::vector<float> in;
    for (int k = lo - 2; k <= std::min(hi + 2, lo + 300); ++k) {
      // Floats around (k + 1/2) x scale, where the code changes, and around k x scale.
      for (const float centre : {(static_cast<float>(k) + 0.5f) * scale, static_cast<float>(k) * scale}) {
        float v = centre;
        for (int step = 0; step < 4; ++step) v = std::nextafter(v, -INFINITY);
        for (int step = 0; step < 9; ++step, v = std::nextafter(v, INFINITY)) in.push_back(v);
      }
    }
    std::vector<float> got(in.size());
    const auto isas = runtime::supportedIsas();
    runtime::quantizeToGrid(in.data(), in.size(), scale, lo, hi, got.data(),
                            isas[static_cast<std::size_t>(trial / 3) % isas.size()]);
    for (std::size_t i = 0; i < in.size(); ++i) {
      const float q = in[i] / scale;
      const float want = std::clamp(std::nearbyint(q), static_cast<float>(lo), static_cast<float>(hi));
      on_ties += q == std::floor(q) + 0.5f;
      ASSERT_EQ(got[i], want) << "scale " << scale << ", value " << in[i] << " (quotient " << q << ")";
    }
    values += in.size();
  }
  EXPECT_GT(values, 1000000u);
  EXPECT_GT(on_ties, 100u);  // quotients exactly on a tie, rounded to even, are among them
}

TEST(RuntimeInteger, SparseEqualsDenseAndThreadsDoNotMatter) {
  ModelConfig c = qatConfig();
  auto model = calibratedQatModel(c, 23);
  {
    torch::NoGradGuard no_grad;
    for (auto& l : linearLayers(*model))
      if (l.layer->options().prunable) l.layer->setMask(torch::rand_like(l.layer->weight) > 0.8);
  }
  const auto file = toModelFile(*model);
  const auto g = randomGraph(500, 3000, c.node_features, c.edge_features, 1);
  const EdgeClassifier sparse(file, "test", {1, 256, true}), dense(file, "test", {1, 256, false});
  EXPECT_LT(sparse.multiplyAdds(500, 3000), 0.6 * dense.multiplyAdds(500, 3000));
  const auto one = sparse.logits(g.input());
  EXPECT_EQ(dense.logits(g.input()), one);
  for (const int threads : {2, 3}) EXPECT_EQ(EdgeClassifier(file, "test", {threads, 256, true}).logits(g.input()), one);
  // Exact sums: every instruction set gives the same codes and logits.
  for (const Isa isa : runtime::supportedIsas())
    for (const bool sparse_weights : {true, false})
      EXPECT_EQ(EdgeClassifier(file, "test", on(isa, {2, 256, sparse_weights})).logits(g.input()), one)
          << runtime::nameOf(isa) << (sparse_weights ? " sparse" : " dense");
  EXPECT_TRUE(sparse.logits(randomGraph(10, 0, 4, 6, 2).input()).empty());
}

// A layer's products go through 16-bit lanes only where no list's sum can leave them: sum of
// |code| x the largest input code at most 32767 for every output, and one segment (a hidden
// layer, whose inputs are the previous layer's activation codes).
TEST(RuntimeInteger, ShortSumsOnlyWhereEveryListFits) {
  using runtime::IntegerLayer;
  const std::vector<std::int32_t> positions = {0, 1, 2, 3, 4};
  const std::vector<std::int8_t> codes = {31, -31, 31, -30, 5};  // output 0: sum of |code| 123
  IntegerLayer layer = IntegerLayer::build(4, 2, {{4, 0.5f}}, positions, codes, {0.1f}, {0.f, 0.f}, false, false);
  layer.allowShortSums(266);  // 123 x 266 = 32718
  EXPECT_EQ(layer.short_codes, std::vector<std::int16_t>({31, -31, 31, -30, 5}));
  layer.allowShortSums(267);  // 32841
  EXPECT_TRUE(layer.short_codes.empty());
  IntegerLayer dense = IntegerLayer::build(4, 2, {{4, 0.5f}}, positions, codes, {0.1f}, {0.f, 0.f}, true, false);
  dense.allowShortSums(63);
  EXPECT_EQ(dense.short_codes.size(), 8u);  // zeros kept as entries of the dense layout
  IntegerLayer segments =
      IntegerLayer::build(4, 2, {{2, 0.5f}, {2, 0.25f}}, positions, codes, {0.1f}, {0.f, 0.f}, false, false);
  segments.allowShortSums(1);
  EXPECT_TRUE(segments.short_codes.empty());
}

// With 8-bit weights and activations a hidden layer's lists can pass 16 bits (sum of |code| x 255
// above 32767), so its sums stay in float lanes: those layers too give the QAT model's logits to
// the last bit, on every instruction set, sparse and dense.
TEST(RuntimeInteger, LayersWhoseSumsCouldPass16BitsSumInFloats) {
  ModelConfig c = qatConfig();
  c.quant.weight_bits = 8;
  c.quant.activation_bits = 8;
  auto model = calibratedQatModel(c, 27);
  const auto file = toModelFile(*model);
  const auto g = randomGraph(200, 800, c.node_features, c.edge_features, 3);
  const auto want = reference(*model, g);
  const std::vector<float> expected(want.data_ptr<float>(), want.data_ptr<float>() + 800);
  for (const Isa isa : runtime::supportedIsas())
    for (const bool sparse : {true, false})
      EXPECT_EQ(EdgeClassifier(file, "test", on(isa, {2, 256, sparse})).logits(g.input()), expected)
          << runtime::nameOf(isa) << (sparse ? " sparse" : " dense");
}

// A pruned first layer reads some of its inputs only, and the integer kernels load only those
// into their tiles (whole blocks of columns, blocks of which a few columns are read, the rows
// past the blocks one by one, and parts of which nothing is read): with 70 % of every first
// layer's input columns and half of its outputs pruned away whole, sparse and dense weights and
// every instruction set must still give the QAT model's logits to the last bit.
TEST(RuntimeInteger, FirstLayersLoadOnlyTheInputsTheirWeightsRead) {
  ModelConfig c = qatConfig();
  auto model = calibratedQatModel(c, 26);
  {
    torch::NoGradGuard no_grad;
    for (auto& l : linearLayers(*model)) {
      if (!l.layer->options().prunable || l.name.find("linear0") == std::string::npos) continue;
      const auto& w = l.layer->weight;
      const auto columns = torch::rand({1, w.size(1)}) > 0.7;
      const auto outputs = torch::rand({w.size(0), 1}) > 0.5;  // outputs without any entry
      l.layer->setMask(columns.expand_as(w).logical_and(outputs.expand_as(w)).logical_and(torch::rand_like(w) > 0.4));
    }
  }
  const auto file = toModelFile(*model);
  for (const auto& [nodes, edges] : {std::pair<std::size_t, std::size_t>{2, 1}, {40, 100}, {500, 3000}}) {
    const auto g = randomGraph(nodes, edges, c.node_features, c.edge_features, static_cast<unsigned>(nodes));
    const auto want = reference(*model, g);
    const std::vector<float> expected(want.data_ptr<float>(), want.data_ptr<float>() + edges);
    for (const Isa isa : runtime::supportedIsas())
      for (const bool sparse : {true, false})
        EXPECT_EQ(EdgeClassifier(file, "test", on(isa, {2, 256, sparse})).logits(g.input()), expected)
            << edges << " edges, " << runtime::nameOf(isa) << (sparse ? " sparse" : " dense");
  }
}

TEST(RuntimeInteger, ExportRefusesWhatTheIntegerPathCannotReproduce) {
  ModelConfig c = smallConfig();
  c.quant.activation_bits = 6;  // activations on a grid, weights and inputs in float
  auto model = makeModel(c);
  EXPECT_THROW(toModelFile(*model), Error);
  ModelConfig weights_only = smallConfig();
  weights_only.quant.weight_bits = 4;  // the effective float weights reproduce it exactly
  auto w4 = makeModel(weights_only);
  w4->eval();
  const auto file = toModelFile(*w4);
  EXPECT_EQ(file.settings.at("weights"), "float");
  const auto g = randomGraph(100, 400, 4, 6, 3);
  EXPECT_LT(maxRelativeDifference(EdgeClassifier(file, "test", {}).logits(g.input()), reference(*w4, g)), 1e-5);
  // Quantized activations are unsigned codes, so an integer model file with another activation
  // (which efgnn does not write) is refused, not run.
  auto silu = toModelFile(*calibratedQatModel(qatConfig(), 25));
  silu.settings["hidden_activation"] = "SiLU";
  expectRefused(silu, "silu.efgnn", "silu.efgnn: integer model with hidden_activation 'SiLU'");
}

class ModelFileTest : public test::TempDirTest {};

TEST(ModelFileNames, NameListsRoundTripThroughTheSettings) {
  runtime::ModelFile f;
  f.setNames("node_feature_names", {"r", "phi", "z"});
  EXPECT_EQ(f.settings.at("node_feature_names"), "r,phi,z");
  EXPECT_EQ(f.names("node_feature_names"), (std::vector<std::string>{"r", "phi", "z"}));
  f.setNames("edge_feature_names", {});
  EXPECT_TRUE(f.names("edge_feature_names").empty());
  EXPECT_TRUE(f.names("absent").empty());
  EXPECT_EQ(runtime::ModelFile::parse(f.serialize(), "names").names("node_feature_names"), f.names("node_feature_names"));
}

TEST_F(ModelFileTest, CorruptTruncatedNewerAndForeignFilesAreRefused) {
  torch::manual_seed(7);
  auto model = makeModel(smallConfig());
  const runtime::ModelFile file = toModelFile(*model);
  file.write(dir / "m.efgnn");
  EXPECT_NO_THROW(EdgeClassifier::load(dir / "m.efgnn", {}));
  const std::string bytes = file.serialize();
  const auto refused = [&](std::string b, const std::string& text) {
    try {
      runtime::ModelFile::parse(b, "m.efgnn");
      ADD_FAILURE() << "accepted; expected " << text;
    } catch (const runtime::ModelFileError& e) {
      EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
    }
  };
  std::string corrupt = bytes;
  corrupt[bytes.size() / 2] ^= 0x10;
  refused(corrupt, "checksum mismatch");
  refused(bytes.substr(0, bytes.size() - 100), "truncated");
  refused(bytes.substr(0, 10), "truncated while reading the header");
  std::string newer = bytes;
  newer[8] = 3;
  refused(newer, "model file version 3 is newer than this runtime's (2)");
  refused("PK\x03\x04 not a model at all....", "bad magic");

  // A file from another architecture version: a layer of the wrong shape, a missing setting.
  runtime::ModelFile other = file;
  other.arrays[0].dims = {other.arrays[0].dims[1], other.arrays[0].dims[0]};
  EXPECT_THROW(EdgeClassifier(other, "other", {}), runtime::ModelFileError);
  runtime::ModelFile old = file;
  old.settings.erase("concat");
  expectRefused(old, "old.efgnn", "old.efgnn: the model file has no setting 'concat'");
  runtime::ModelFile older_flavour = file;
  older_flavour.settings["model"] = "InteractionGNN";
  EXPECT_THROW(EdgeClassifier(older_flavour, "f", {}), runtime::ModelFileError);
}

/// ONNX export run through ONNX Runtime (bench/onnx/run.js, npm onnxruntime-node); skipped where
/// either is missing.
class OnnxExportTest : public test::TempDirTest {
 protected:
  void SetUp() override {
#ifndef EFGNN_HAVE_ONNX
    GTEST_SKIP() << "built without ONNX support";
#endif
    std::string why;
    runner = OnnxRuntimeRunner::find(std::filesystem::path(EFGNN_SOURCE_DIR) / "bench" / "onnx" / "run.js", why);
    if (!runner) GTEST_SKIP() << why;
    TempDirTest::SetUp();
  }

  /// The logits ONNX Runtime computes with `model` (ONNX bytes) on `g`.
  std::vector<float> onnxRuntimeLogits(const std::string& model, const RandomGraph& g) const {
    std::ofstream(dir / "model.onnx", std::ios::binary) << model;
    return runner->run(dir / "model.onnx", g.input(), 1, 1).logits;
  }

  std::optional<OnnxRuntimeRunner> runner;
};

TEST_F(OnnxExportTest, OnnxRuntimeComputesWhatTheRuntimeComputes) {
  torch::manual_seed(8);
  std::vector<ModelConfig> configs{smallConfig()};
  configs.push_back(smallConfig());
  configs.back().edge_features = 0;
  configs.back().concat = false;
  configs.back().in_out_diff_agg = false;
  configs.back().hidden_activation = "SiLU";
  // BatchNorm on each graph's statistics (ReduceMean in ONNX), with the reference's block ends.
  configs.push_back(smallConfig());
  configs.back().layernorm = false;
  configs.back().batchnorm = true;
  configs.back().hidden_activation = "SiLU";
  configs.back().output_norm = false;
  configs.back().output_activation = "Tanh";
  for (std::size_t c = 0; c < configs.size(); ++c) {
    auto model = makeModel(configs[c]);
    const auto file = toModelFile(*model);
    const auto g = randomGraph(300, 1200, configs[c].node_features, configs[c].edge_features, 11);
    const auto ort = onnxRuntimeLogits(onnxModelOf(file, "test"), g);
    const auto mine = EdgeClassifier(file, "test", {}).logits(g.input());
    double worst = 0;
    for (std::size_t k = 0; k < ort.size(); ++k)
      worst = std::max(worst, std::abs(double(mine[k]) - ort[k]) / std::max(1.0, std::abs(double(ort[k]))));
    EXPECT_LT(worst, 1e-5) << "config " << c;
  }
}

TEST_F(OnnxExportTest, TheReferenceNamesGiveTheSameModelByPosition) {
  torch::manual_seed(9);
  auto model = makeModel(smallConfig());
  const auto file = toModelFile(*model);
  const std::string bytes = onnxModelOf(file, "test", OnnxNames::of("reference"));
#ifdef EFGNN_HAVE_ONNX
  onnx::ModelProto proto;
  ASSERT_TRUE(proto.ParseFromString(bytes));
  std::vector<std::string> inputs;
  for (const auto& i : proto.graph().input()) inputs.push_back(i.name());
  EXPECT_EQ(inputs, (std::vector<std::string>{"node_features", "edge_list", "edge_attr"}));
  EXPECT_EQ(proto.graph().output(0).name(), "output");
#endif
  const auto g = randomGraph(200, 800, smallConfig().node_features, smallConfig().edge_features, 12);
  EXPECT_EQ(onnxRuntimeLogits(bytes, g), onnxRuntimeLogits(onnxModelOf(file, "test"), g));
  EXPECT_THROW(OnnxNames::of("pyg"), Error);
  EXPECT_THROW(onnxModelOf(file, "test", {"edge_index", "x", "edge_attr", "output"}), Error);  // swapped names
}

/// How many of `got` agree with `want`: the same edge decision, and the logit within 1e-4 relative.
struct Agreement {
  std::size_t same_decision = 0, close = 0;
};

Agreement agreement(const std::vector<float>& got, const std::vector<float>& want) {
  Agreement a;
  for (std::size_t k = 0; k < got.size(); ++k) {
    a.same_decision += (got[k] > 0) == (want[k] > 0);
    a.close += std::abs(got[k] - want[k]) <= 1e-4f * std::max(1.f, std::abs(want[k]));
  }
  return a;
}

TEST_F(OnnxExportTest, OnnxRuntimeComputesWhatTheQatModelAndTheIntegerRuntimeCompute) {
#ifdef EFGNN_HAVE_ONNX  // reads the exported protos
  // Per-tensor weight scales with 12-bit inputs (float form of the input quantizers); per-channel
  // weight scales with 8-bit inputs (per-feature QuantizeLinear) and LayerNorm outputs quantized;
  // without edge features (the pair encoder).
  ModelConfig per_channel = qatConfig();
  per_channel.quant.weight_scaling = "per_channel";
  per_channel.quant.input_bits = 8;
  per_channel.quant.norm_bits = 8;
  ModelConfig no_edge_features = qatConfig();
  no_edge_features.edge_features = 0;
  no_edge_features.edge_net_recurrent = true;
  struct Case {
    std::string name;
    ModelConfig config;
  };
  for (const auto& [name, c] : {Case{"per_tensor", qatConfig()}, Case{"per_channel", per_channel},
                                Case{"no_edge_features", no_edge_features}}) {
    auto model = calibratedQatModel(c, 31);
    {
      torch::NoGradGuard no_grad;
      for (auto& l : linearLayers(*model))
        if (l.layer->options().prunable) l.layer->setMask(torch::rand_like(l.layer->weight) > 0.5);
    }
    const auto file = toModelFile(*model);
    ASSERT_EQ(file.settings.at("weights"), "integer");
    const std::string bytes = onnxModelOf(file, "test");
    onnx::ModelProto proto;
    ASSERT_TRUE(proto.ParseFromString(bytes));
    std::map<std::string, int> ops;
    for (const auto& n : proto.graph().node()) ++ops[n.op_type()];
    EXPECT_GT(ops["QuantizeLinear"], 0) << name;
    EXPECT_GT(ops["DequantizeLinear"], ops["QuantizeLinear"]) << "weights are dequantized too; " << name;
    EXPECT_EQ(ops["Round"] > 0, c.quant.input_bits > 8) << "inputs wider than 8 bits in float; " << name;
    const auto g = randomGraph(700, 3000, c.node_features, c.edge_features, 12);
    const auto ort = onnxRuntimeLogits(bytes, g);

    // A code differs only where float rounding (of ONNX Runtime, LibTorch or the runtime) crosses
    // a rounding boundary; it then moves the logits of the edges it reaches.
    const auto expectAgreement = [&](const std::vector<float>& want, const std::string& what) {
      ASSERT_EQ(want.size(), ort.size());
      const Agreement a = agreement(ort, want);
      EXPECT_GE(a.same_decision, ort.size() * 999 / 1000) << name << " against " << what;
      EXPECT_GE(a.close, ort.size() * 98 / 100) << name << " against " << what;
      RecordProperty(name + "_" + what + "_decisions_differing", static_cast<int>(ort.size() - a.same_decision));
      RecordProperty(name + "_" + what + "_logits_not_close", static_cast<int>(ort.size() - a.close));
    };
    const auto libtorch = reference(*model, g);
    expectAgreement({libtorch.data_ptr<float>(), libtorch.data_ptr<float>() + libtorch.numel()}, "libtorch");
    expectAgreement(EdgeClassifier(file, "test", {}).logits(g.input()), "runtime");
  }
#endif
}

}  // namespace
}  // namespace efgnn
