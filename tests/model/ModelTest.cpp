#include <gtest/gtest.h>

#include <map>

#include "core/Error.hpp"
#include "model/EdgeClassifierModel.hpp"
#include "model/InteractionGnn.hpp"
#include "model/Mlp.hpp"

namespace efgnn {
namespace {

ModelConfig tiny(const std::string& flavour = "InteractionGNN2") {
  ModelConfig c;
  c.model = flavour;
  c.hidden = 8;
  c.n_graph_iters = 2;
  c.nb_node_layer = 2;
  c.nb_edge_layer = 2;
  return c;
}

struct RandomGraph {
  torch::Tensor x, edge_index, edge_attr;
  RandomGraph(std::int64_t n, std::int64_t e, int f = 4, int fe = 6, torch::Dtype type = torch::kFloat32) {
    torch::manual_seed(3);
    x = torch::randn({n, f}, type);
    edge_index = torch::randint(0, n, {2, e}, torch::kInt64);
    edge_attr = torch::randn({e, fe}, type);
  }
};

// REFERENCE.md section 2: parameter counts of the original study (3 layers, 8 iterations,
// LayerNorm; 12 node features of the ITk space points with clusters, 6 edge features).
TEST(Model, ParameterCountsMatchTheOriginalStudy) {
  const std::map<int, double> full{{16, 32e3}, {32, 125e3}, {48, 280e3}, {64, 496e3},
                                   {80, 774e3}, {96, 1.1e6}, {128, 2.0e6}};
  const std::map<int, double> recurrent{{48, 52.4e3}, {64, 92.4e3}, {96, 206e3}, {128, 364e3}};
  for (const auto& [table, shared] : {std::pair{&full, false}, std::pair{&recurrent, true}})
    for (const auto& [h, expected] : *table) {
      ModelConfig c;
      c.hidden = h;
      c.node_features = 12;
      c.node_net_recurrent = c.edge_net_recurrent = shared;
      const double n = static_cast<double>(parameterCount(*makeModel(c)));
      EXPECT_NEAR(n / expected, 1.0, 0.02) << "hidden " << h << (shared ? " recurrent" : "") << ": " << n;
    }
}

TEST(Model, SplitFirstLayerEqualsTheConcatenatedProduct) {
  torch::manual_seed(1);
  MlpOptions o;
  o.sizes = {5, 5};
  EdgeMlp split(3, 4, o);
  const auto e = torch::randn({7, 3}), x = torch::randn({6, 4});
  const auto src = torch::tensor({0, 1, 2, 3, 4, 5, 0}, torch::kInt64), dst = torch::tensor({1, 2, 3, 4, 5, 0, 5}, torch::kInt64);
  const auto expected = split->named_children()[0].value()->as<MlpImpl>()->forward(
      torch::cat({e, x.index_select(0, src), x.index_select(0, dst)}, 1));
  EXPECT_TRUE(torch::allclose(split->forward(e, {}, x, {}, src, dst), expected, 1e-5, 1e-6));
}

// Quantized, on grids: the products are computed on the codes, per node for the node parts;
// the same values as the layer on the concatenated input, up to the order of float additions.
TEST(Model, SplitFirstLayerOnGridsEqualsTheConcatenatedProduct) {
  torch::manual_seed(2);
  MlpOptions o;
  o.sizes = {5, 5};
  o.quant.weight_bits = 6;
  o.quant.activation_bits = 6;
  o.layernorm = true;
  EdgeMlp split(3, 4, o);
  split->eval();
  const auto se = torch::tensor(0.05f), sx = torch::tensor(0.1f);
  const auto e = torch::round(torch::randn({7, 3}) * 10) * se, x = torch::round(torch::randn({6, 4}) * 10) * sx;
  const auto src = torch::tensor({0, 1, 2, 3, 4, 5, 0}, torch::kInt64), dst = torch::tensor({1, 2, 3, 4, 5, 0, 5}, torch::kInt64);
  const InputGrids e_grids = InputGrids::of(3, se), x_grids = InputGrids::of(4, sx);
  auto mlp = split->named_children()[0].value()->as<MlpImpl>();
  const auto expected = mlp->forward(torch::cat({e, x.index_select(0, src), x.index_select(0, dst)}, 1),
                                     e_grids.then(x_grids).then(x_grids));
  const auto got = split->forward(e, e_grids, x, x_grids, src, dst);
  // Outputs are activation codes x scale: at most one code apart where float rounding differs.
  EXPECT_LE((got - expected).abs().max().item<float>(), 1.01f * mlp->outputScale().item<float>());
  EXPECT_GE(torch::isclose(got, expected).to(torch::kFloat32).mean().item<float>(), 0.9f);
  EXPECT_THROW(split->forward(e, InputGrids::of(2, se), x, x_grids, src, dst), Error);
}

TEST(Model, ScoresDoNotDependOnNodeOrder) {
  for (const char* flavour : {"InteractionGNN2", "InteractionGNN"}) {
    auto model = makeModel(tiny(flavour));
    model->eval();
    const RandomGraph g(30, 80);
    const auto perm = torch::randperm(30, torch::kInt64);
    const auto inverse = torch::argsort(perm);  // new index of old node i
    const auto x2 = g.x.index_select(0, perm);
    const auto edges2 = inverse.index_select(0, g.edge_index.flatten()).view({2, -1});
    EXPECT_TRUE(torch::allclose(model->forward(g.x, g.edge_index, g.edge_attr), model->forward(x2, edges2, g.edge_attr),
                                1e-4, 1e-5))
        << flavour;
  }
}

TEST(Model, GradientsMatchFiniteDifferences) {
  auto model = makeModel(tiny());
  model->to(torch::kFloat64);
  const RandomGraph g(12, 30, 4, 6, torch::kFloat64);
  const auto loss = [&] { return model->forward(g.x, g.edge_index, g.edge_attr).sigmoid().pow(2).sum(); };
  model->zero_grad();
  loss().backward();
  torch::NoGradGuard no_grad;
  int checked = 0;
  for (auto& p : model->parameters()) {
    const auto flat = p.view({-1});
    // The last iteration's node update does not reach the edge scores: no gradient, and the
    // finite differences must agree that there is none.
    const auto grad = p.grad().defined() ? p.grad().view({-1}) : torch::zeros_like(flat);
    for (std::int64_t i = 0; i < flat.numel(); i += std::max<std::int64_t>(1, flat.numel() / 3)) {
      const double h = 1e-6, saved = flat[i].item<double>();
      flat[i] = saved + h;
      const double up = loss().item<double>();
      flat[i] = saved - h;
      const double down = loss().item<double>();
      flat[i] = saved;
      const double numeric = (up - down) / (2 * h), analytic = grad[i].item<double>();
      EXPECT_NEAR(analytic, numeric, 1e-5 + 1e-4 * std::abs(numeric));
      ++checked;
    }
  }
  EXPECT_GT(checked, 40);
}

TEST(Model, EveryOptionBuildsAndRuns) {
  const RandomGraph g(20, 50);
  std::vector<ModelConfig> configs;
  for (const char* a : {"ReLU", "SiLU", "Tanh"}) {
    auto c = tiny();
    c.hidden_activation = a;
    configs.push_back(c);
  }
  auto c = tiny();
  c.layernorm = false;
  c.batchnorm = true;
  configs.push_back(c);
  c = tiny();
  c.layernorm = false;
  configs.push_back(c);
  c = tiny();
  c.concat = false;
  c.in_out_diff_agg = false;
  configs.push_back(c);
  c = tiny();
  c.node_net_recurrent = c.edge_net_recurrent = true;
  configs.push_back(c);
  c = tiny();
  c.edge_features = 0;  // edges encoded from their nodes
  configs.push_back(c);
  configs.push_back(tiny("InteractionGNN"));
  for (const auto& config : configs) {
    auto model = makeModel(config);
    const auto out = model->forward(g.x, g.edge_index, g.edge_attr);
    EXPECT_EQ(out.sizes(), (std::vector<std::int64_t>{50})) << config.toYaml();
    EXPECT_TRUE(torch::isfinite(out).all().item<bool>());
  }
  auto recurrent = tiny();
  recurrent.node_net_recurrent = recurrent.edge_net_recurrent = true;
  EXPECT_LT(parameterCount(*makeModel(recurrent)), parameterCount(*makeModel(tiny())));
}

// The LayerNorm that quantized models evaluate with (and the integer runtime reproduces): torch's
// LayerNorm up to float rounding, and a row's result depends on that row alone.
TEST(Model, ReproducibleLayerNormIsLayerNormRowByRow) {
  torch::manual_seed(11);
  const auto x = torch::randn({500, 48}) * 2.5 + 3.0;
  const auto got = reproducibleLayerNorm(x);
  const auto want = torch::layer_norm(x, {48}, {}, {}, 1e-5);
  EXPECT_LT((got - want).abs().max().item<float>(), 2e-6);
  const auto rows = torch::tensor({7, 499, 0, 123});
  EXPECT_TRUE(torch::equal(reproducibleLayerNorm(x.index_select(0, rows)), got.index_select(0, rows)));
  const auto constant = torch::full({3, 48}, 5.0f);  // variance 0: eps keeps it finite
  EXPECT_TRUE(torch::equal(reproducibleLayerNorm(constant), torch::zeros({3, 48})));
}

TEST(ModelConfig, ReferenceKeysListsAndErrors) {
  const auto c = ModelConfig::fromYaml(YamlNode::parse(
      "hidden: 48\nnode_features: [r, phi, z, eta]\nedge_features: [dr, dphi, dz, deta, phislope, rphislope]\n", "m.yaml"));
  EXPECT_EQ(c.hidden, 48);
  EXPECT_EQ(c.node_features, 4);
  EXPECT_EQ(c.edge_feature_names.size(), 6u);
  try {
    ModelConfig::fromYaml(YamlNode::parse("hiden: 48\n", "m.yaml"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'hidden'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("m.yaml:1"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ModelConfig::fromYaml(YamlNode::parse("hidden: wide\n", "m.yaml")), Error);
  EXPECT_THROW(ModelConfig::fromYaml(YamlNode::parse("hidden_activation: GELU\n", "m.yaml")), Error);
  ModelConfig d;
  d.set("n_graph_iters=4");
  EXPECT_EQ(d.n_graph_iters, 4);
  EXPECT_THROW(d.set("n_graph_iter=4"), Error);
  EXPECT_THROW(d.set("layernorm=maybe"), Error);
  EXPECT_EQ(ModelConfig::fromYaml(YamlNode::parse(d.toYaml(), "round-trip")), d);
}

}  // namespace
}  // namespace efgnn
