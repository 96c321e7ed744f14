#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "compress/Distillation.hpp"
#include "quant/FakeQuantize.hpp"
#include "compress/IterativePruning.hpp"
#include "compress/ModelSize.hpp"
#include "compress/Pruning.hpp"
#include "quant/QuantLayers.hpp"
#include "compress/Scan.hpp"
#include "core/AtomicFile.hpp"
#include "core/Error.hpp"
#include "train/Checkpoint.hpp"
#include "train/Trainer.hpp"
#include "SmallGraphDataset.hpp"

namespace efgnn {
namespace {

namespace fs = std::filesystem;

void expectValues(const torch::Tensor& t, const std::vector<float>& want) {
  ASSERT_EQ(t.numel(), static_cast<std::int64_t>(want.size()));
  const auto c = t.detach().contiguous();
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(c.data_ptr<float>()[i], want[i], 1e-6) << "element " << i;
}

TEST(FakeQuantize, Ranges) {
  EXPECT_EQ(IntRange::signedNarrow(8).min, -127);
  EXPECT_EQ(IntRange::signedNarrow(8).max, 127);
  EXPECT_EQ(IntRange::signedFull(8).min, -128);
  EXPECT_EQ(IntRange::unsignedRange(8).max, 255);
  EXPECT_EQ(IntRange::signedNarrow(2).max, 1);  // 2 bits narrow: -1, 0, 1
}

TEST(FakeQuantize, PerTensorWeightsRoundHalfToEven) {
  // 3 bits narrow: +-3; scale = max|w| / 3 = 1/3; w * 3 = 0.3, -0.78, 1.5, 3 -> 0, -1, 2, 3.
  const auto w = torch::tensor({0.1f, -0.26f, 0.5f, 1.0f});
  const auto s = weightScale(w, 3, false);
  EXPECT_NEAR(s.item<float>(), 1.0f / 3, 1e-7);
  expectValues(fakeQuantize(w, s, IntRange::signedNarrow(3)), {0.f, -1.f / 3, 2.f / 3, 1.f});
  expectValues(quantizeToIntegers(w, s, IntRange::signedNarrow(3)).to(torch::kFloat32), {0, -1, 2, 3});
}

TEST(FakeQuantize, PerChannelScales) {
  // 2 bits narrow (-1, 0, 1): rows scaled by 1 and 0.2; -0.5 and 0.5 round to even (0).
  const auto w = torch::tensor({{1.f, -0.5f}, {0.2f, 0.1f}});
  const auto s = weightScale(w, 2, true);
  expectValues(s.reshape({-1}), {1.f, 0.2f});
  expectValues(fakeQuantize(w, s, IntRange::signedNarrow(2)).reshape({-1}), {1.f, 0.f, 0.2f, 0.f});
  // A fully pruned row gets scale 1 (no division by zero).
  expectValues(weightScale(torch::zeros({2, 3}), 4, true).reshape({-1}), {1.f, 1.f});
}

TEST(FakeQuantize, ClippingAndStraightThroughGradients) {
  // Unsigned 2 bits (0..3), scale 0.5: x/s = -2, 0.4, 1.6, 2.5, 10 -> 0, 0, 2, 2 (even), 3.
  const auto x = torch::tensor({-1.f, 0.2f, 0.8f, 1.25f, 5.f}).requires_grad_(true);
  const auto s = torch::tensor(0.5f).requires_grad_(true);
  const auto y = fakeQuantize(x, s, IntRange::unsignedRange(2));
  expectValues(y, {0.f, 0.f, 1.f, 1.f, 1.5f});
  y.sum().backward();
  // Identity inside the range, zero where clipped.
  expectValues(x.grad(), {0.f, 1.f, 1.f, 1.f, 0.f});
  // LSQ: round(x/s) - x/s inside (-0.4 + 0.4 - 0.5), the bound where clipped (0 and 3).
  EXPECT_NEAR(s.grad().item<float>(), -0.4f + 0.4f - 0.5f + 0.f + 3.f, 1e-6);
}

TEST(QuantLayers, FloatLinearMatchesTorchAndQuantizedWeightsLieOnTheGrid) {
  torch::manual_seed(1);
  QuantLinear plain(QuantLinearOptions{5, 3});
  torch::nn::Linear reference(5, 3);
  reference->weight.data().copy_(plain->weight);
  reference->bias.data().copy_(plain->bias);
  const auto x = torch::randn({7, 5});
  EXPECT_TRUE(torch::allclose(plain->forward(x), reference->forward(x)));

  QuantLinear q(QuantLinearOptions{5, 3, 4, true, 0, true});
  const auto w = q->effectiveWeight();
  const auto levels = w / q->weightScale();
  EXPECT_TRUE(torch::allclose(levels, levels.round(), 0, 1e-4));
  EXPECT_LE(levels.abs().max().item<float>(), 7.0001f);
  // Bias on the grid input scale x weight scale.
  QuantLinear qb(QuantLinearOptions{5, 3, 6, false, 8, true});
  const auto input_scale = torch::tensor(0.05f);
  const auto b = qb->effectiveBias(input_scale) / qb->biasScale(input_scale);
  EXPECT_TRUE(torch::allclose(b, b.round(), 0, 1e-3));
  EXPECT_NEAR(qb->biasScale(input_scale).item<float>(), (qb->weightScale() * 0.05f).item<float>(), 1e-9);
}

TEST(QuantLayers, CalibratedActivationScale) {
  ActivationQuantizer a(ActivationQuantOptions{4, false, false});
  a->train();
  a->forward(torch::tensor({0.f, 1.5f}));  // first batch: max 1.5 -> scale 0.1
  EXPECT_NEAR(a->scale().item<float>(), 0.1f, 1e-7);
  a->forward(torch::tensor({3.f}));  // running max 0.9 * 1.5 + 0.1 * 3 = 1.65
  EXPECT_NEAR(a->scale().item<float>(), 0.11f, 1e-7);
  a->eval();
  a->forward(torch::tensor({30.f}));  // frozen in evaluation
  EXPECT_NEAR(a->scale().item<float>(), 0.11f, 1e-7);
}

TEST(QuantLayers, PerFeatureInputScales) {
  // Signed 8 bits (+-127), one scale per column: a column of large values does not coarsen the
  // grid of a column of small ones.
  ActivationQuantizer a(ActivationQuantOptions{8, true, false, 2});
  a->train();
  const auto x = torch::tensor({{1000.f, 0.001f}, {-500.f, -0.002f}, {10.f, 0.0005f}});
  const auto y = a->forward(x);
  expectValues(a->scale(), {1000.f / 127, 0.002f / 127});
  EXPECT_NEAR(y[2][1].item<float>(), 0.0005f, 0.002f / 127 / 2 + 1e-9);
}

TEST(ModelConfig, BitWidthsOutOfRange) {
  ModelConfig c;
  for (const char* bad : {"weight_bits=1", "weight_bits=17", "activation_bits=20", "bias_bits=-2", "input_bits=1"})
    EXPECT_THROW(c.set(bad), Error) << bad;
  c.set("weight_bits=2");
  c.set("activation_bits=16");
  EXPECT_EQ(c.quant.label(), "w2a16");
  EXPECT_THROW(c.set("hidden_activation=Tanh"), Error) << "quantized activations need ReLU";
  EXPECT_THROW(c.set("weight_scaling=per_row"), Error);
}

ModelConfig smallModel() {
  ModelConfig m;
  m.hidden = 8;
  m.n_graph_iters = 2;
  m.nb_node_layer = m.nb_edge_layer = 2;
  return m;
}

TEST(Pruning, FractionsAreExactAndMasksStayZeroThroughTraining) {
  torch::manual_seed(3);
  auto model = makeModel(smallModel());
  const HiddenWeights before = hiddenWeights(*model);
  ASSERT_GT(before.total, 0);
  EXPECT_EQ(before.remaining, before.total);
  // Global: exactly round(0.3 x remaining), twice.
  EXPECT_EQ(pruneStep(*model, 0.3, "global", false), std::llround(0.3 * before.total));
  const auto after1 = hiddenWeights(*model);
  EXPECT_EQ(after1.remaining, before.total - std::llround(0.3 * before.total));
  EXPECT_EQ(pruneStep(*model, 0.3, "global", false), std::llround(0.3 * after1.remaining));
  // The removed weights are the smallest: every masked |w| (before masking) <= every kept |w|
  // is checked through the layer-wise variant on a fresh model.
  auto layerwise = makeModel(smallModel());
  std::vector<torch::Tensor> original;
  for (auto& l : linearLayers(*layerwise)) original.push_back(l.layer->weight.detach().clone());
  pruneStep(*layerwise, 0.5, "layer", false);
  std::size_t i = 0;
  for (auto& l : linearLayers(*layerwise)) {
    const auto w = original[i++].abs();
    if (!l.layer->options().prunable) {
      EXPECT_FALSE(l.layer->hasMask()) << l.name << " reads features or writes logits";
      continue;
    }
    const auto m = l.layer->mask();
    EXPECT_EQ(m.sum().item<std::int64_t>(), w.numel() - std::llround(0.5 * w.numel())) << l.name;
    EXPECT_LE(w.masked_select(m == 0).max().item<float>(), w.masked_select(m > 0).min().item<float>()) << l.name;
  }

  // Optimiser steps: masked weights stay exactly zero, the count is unchanged.
  torch::optim::AdamW opt(model->parameters(), torch::optim::AdamWOptions(1e-2));
  const auto x = torch::randn({6, 4}), attr = torch::randn({5, 6});
  const auto edges = torch::tensor({0, 1, 2, 3, 4, 1, 2, 3, 4, 5}, torch::kInt64).reshape({2, 5});
  const auto remaining = hiddenWeights(*model).remaining;
  for (int step = 0; step < 5; ++step) {
    opt.zero_grad();
    model->forward(x, edges, attr).pow(2).sum().backward();
    opt.step();
    applyMasks(*model);
  }
  for (auto& l : linearLayers(*model)) {
    if (l.layer->hasMask()) {
      EXPECT_EQ(l.layer->weight.masked_select(l.layer->mask() == 0).abs().max().item<float>(), 0.f) << l.name;
    }
  }
  EXPECT_EQ(hiddenWeights(*model).remaining, remaining);
  EXPECT_EQ(modelSize(*model).pruned_fraction, hiddenWeights(*model).prunedFraction());

  // Structured: whole rows.
  auto rows = makeModel(smallModel());
  pruneStep(*rows, 0.25, "global", true);
  for (auto& l : linearLayers(*rows)) {
    if (!l.layer->hasMask()) continue;
    const auto per_row = l.layer->mask().sum(1);
    EXPECT_TRUE(((per_row == 0) | (per_row == l.layer->weight.size(1))).all().item<bool>()) << l.name;
  }

  EXPECT_THROW(pruneStep(*model, 0.0, "global", false), Error);
  EXPECT_THROW(pruneStep(*model, 1.0, "global", false), Error);
  EXPECT_THROW(pruneStep(*model, 0.5, "everywhere", false), Error);
  PruneConfig bad;
  bad.prune_fraction = 1.5;
  EXPECT_THROW(bad.validate(), Error);
}

PruneConfig gradualSchedule(int epochs, int ramp_epochs, int steps_per_epoch, double target) {
  PruneConfig c;
  c.prune_schedule = "gradual";
  c.prune_epochs = epochs;
  c.prune_ramp_epochs = ramp_epochs;
  c.prune_steps_per_epoch = steps_per_epoch;
  c.prune_target = target;
  c.validate();
  return c;
}

TEST(Pruning, GradualScheduleRisesAsACubeInWholeStepsAndPruneToLandsOnTheTarget) {
  PruneConfig c = gradualSchedule(3, 2, 4, 0.9);
  EXPECT_DOUBLE_EQ(gradualPrunedFraction(c, 0.4, 0.0), 0.4);
  EXPECT_DOUBLE_EQ(gradualPrunedFraction(c, 0.4, 0.01), 0.9 - 0.5 * std::pow(7.0 / 8, 3)) << "a step starts a period";
  EXPECT_DOUBLE_EQ(gradualPrunedFraction(c, 0.4, 0.25), 0.9 - 0.5 * std::pow(7.0 / 8, 3)) << "and holds through it";
  EXPECT_DOUBLE_EQ(gradualPrunedFraction(c, 0.4, 1.0), 0.9 - 0.5 * std::pow(0.5, 3));
  EXPECT_DOUBLE_EQ(gradualPrunedFraction(c, 0.4, 1.76), 0.9) << "the last period of the ramp starts at the target";
  EXPECT_DOUBLE_EQ(gradualPrunedFraction(c, 0.4, 2.0), 0.9);
  EXPECT_DOUBLE_EQ(gradualPrunedFraction(c, 0.4, 3.0), 0.9);
  // Faster early than late: the first quarter of the ramp removes more than the last.
  EXPECT_GT(gradualPrunedFraction(c, 0, 0.5) - gradualPrunedFraction(c, 0, 0),
            gradualPrunedFraction(c, 0, 2) - gradualPrunedFraction(c, 0, 1.5));

  torch::manual_seed(4);
  auto model = makeModel(smallModel());
  const auto total = hiddenWeights(*model).total;
  for (const double target : {0.3, 0.55, 0.9}) {
    pruneTo(*model, target, "lamp", false);
    EXPECT_NEAR(hiddenWeights(*model).prunedFraction(), target, 1.0 / static_cast<double>(total)) << target;
  }
  EXPECT_EQ(pruneTo(*model, 0.9, "lamp", false), 0) << "already there";
  EXPECT_EQ(pruneTo(*model, 0.5, "lamp", false), 0) << "never un-prunes";

  c.prune_ramp_epochs = 4;
  EXPECT_THROW(c.validate(), Error) << "a ramp longer than the run";
  c.prune_ramp_epochs = 2;
  c.prune_schedule = "sudden";
  EXPECT_THROW(c.validate(), Error);
}

TEST(Pruning, LampRanksEachWeightAgainstItsOwnLayerSoALayersScaleDoesNotMatter) {
  torch::manual_seed(5);
  // LayerNorm follows each hidden Linear, so a layer's scale is arbitrary. Two copies of one
  // model, every other layer scaled by 10^4 in the second.
  auto model = makeModel(smallModel());
  auto scaled = makeModel(smallModel());
  auto plain = makeModel(smallModel());
  const auto layers = linearLayers(*model), copies = linearLayers(*scaled), globals = linearLayers(*plain);
  {
    torch::NoGradGuard no_grad;
    for (std::size_t i = 0; i < layers.size(); ++i) {
      copies[i].layer->weight.copy_(layers[i].layer->weight * (i % 2 ? 1e4 : 1.0));
      globals[i].layer->weight.copy_(copies[i].layer->weight);
    }
  }
  const auto total = hiddenWeights(*model).total;
  EXPECT_EQ(pruneStep(*model, 0.6, "lamp", false), std::llround(0.6 * total));
  pruneStep(*scaled, 0.6, "lamp", false);
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const auto& l = layers[i].layer;
    if (!l->hasMask()) continue;
    EXPECT_TRUE(torch::equal(l->mask(), copies[i].layer->mask())) << layers[i].name << ": the scale changed the choice";
    const auto w = l->weight.detach().abs(), m = l->mask();
    ASSERT_GT(m.sum().item<float>(), 0) << layers[i].name << " keeps its largest weight";
    if ((m == 0).any().item<bool>()) {
      EXPECT_LE(w.masked_select(m == 0).max().item<float>(), w.masked_select(m > 0).min().item<float>())
          << layers[i].name << ": the smallest of a layer go first";
    }
  }
  // Global magnitude on the scaled copy takes from the unscaled layers only, until they are empty.
  const auto removed = pruneStep(*plain, 0.6, "global", false);
  std::int64_t unscaled_left = 0, scaled_removed = 0;
  for (std::size_t i = 0; i < globals.size(); ++i) {
    const auto& l = globals[i].layer;
    if (!l->hasMask()) continue;
    const auto left = l->mask().sum().item<std::int64_t>();
    if (i % 2) scaled_removed += l->weight.numel() - left;
    else unscaled_left += left;
  }
  EXPECT_GT(removed, 0);
  EXPECT_EQ(std::min(unscaled_left, scaled_removed), 0) << unscaled_left << " left, " << scaled_removed << " removed";
}

TEST(ModelSize, CountsNonZeroWeightsAndBits) {
  ModelConfig m = smallModel();
  m.quant.weight_bits = 4;
  auto model = makeModel(m);
  const ModelSize s = modelSize(*model);
  EXPECT_EQ(s.parameters, parameterCount(*model));
  EXPECT_EQ(s.weight_bits, 4);
  std::int64_t nonzero_weights = 0, biases = 0, other = 0;
  for (auto& l : linearLayers(*model)) {
    nonzero_weights += l.layer->effectiveWeight().count_nonzero().item<std::int64_t>();
    biases += l.layer->bias.numel();
  }
  for (const auto& p : model->parameters()) other += p.count_nonzero().item<std::int64_t>();
  for (auto& l : linearLayers(*model)) other -= l.layer->weight.count_nonzero().item<std::int64_t>();
  EXPECT_EQ(s.nonzero_parameters, nonzero_weights + other);
  EXPECT_DOUBLE_EQ(s.weight_bytes, (nonzero_weights * 4.0 + biases * 32.0) / 8);
  // Edge network of an iteration: [e, x_src, x_dst] of widths 16, 16, 16 (concat) -> 8 -> 8.
  EXPECT_DOUBLE_EQ(modelSize(*makeModel(smallModel())).macs_per_edge_per_iteration, 48 * 8 + 8 * 8);
}

TEST(Distillation, LossMatchesAHandComputation) {
  const auto student = torch::tensor({2.f, -1.f, 0.5f});
  const auto teacher = torch::tensor({4.f, -2.f, -1.f});
  GraphTensors g;
  g.y = torch::tensor({1.f, 0.f, 1.f});
  g.y_target = g.y;
  g.weight = torch::tensor({1.f, 0.1f, 1.f});
  DistillConfig c;
  c.distill_alpha = 0.3;
  c.distill_temperature = 2;
  const auto sigmoid = [](double z) { return 1 / (1 + std::exp(-z)); };
  const auto bce = [&](double z, double target) {
    return -(target * std::log(sigmoid(z)) + (1 - target) * std::log(1 - sigmoid(z)));
  };
  const double s[] = {2, -1, 0.5}, t[] = {4, -2, -1}, y[] = {1, 0, 1}, w[] = {1, 0.1, 1};
  double truth = 0, soft = 0;
  for (int i = 0; i < 3; ++i) {
    truth += w[i] * bce(s[i], y[i]) / 3;
    soft += w[i] * bce(s[i] / 2, sigmoid(t[i] / 2)) / 3;
  }
  const double want = 0.3 * truth + 0.7 * 4 * soft;
  EXPECT_NEAR(distillationLoss(student, teacher, g, c).item<double>(), want, 1e-6);
  c.distill_alpha = 1.5;
  EXPECT_THROW(c.validate(), Error);
}

using SmallDataset = test::SmallGraphDataset;

TEST_F(SmallDataset, CheckpointsKeepMasksAndQuantizationAndFineTuneFromFloat) {
  // A float model trained briefly, then fine-tuned into a 6-bit one, then pruned.
  const auto float_run = run("float");
  Trainer(config(2), float_run, false).run();
  auto qat = config(2);
  qat.model.quant.weight_bits = qat.model.quant.activation_bits = 6;
  qat.model.quant.input_bits = 8;
  qat.init_from = (float_run / "best.pt").string();
  const auto qat_run = run("qat");
  Trainer trainer(qat, qat_run, false);
  {
    // Before any step, the quantized model starts from the float parameters.
    const auto parent = loadCheckpoint(float_run / "best.pt", torch::kCPU);
    auto fresh = makeModel(qat.model);
    initializeFromCheckpoint(*fresh, float_run / "best.pt");
    EXPECT_TRUE(torch::equal(fresh->named_parameters()["node_encoder.linear0.weight"],
                             parent.model->named_parameters()["node_encoder.linear0.weight"]));
  }
  trainer.run();
  auto loaded = loadCheckpoint(qat_run / "best.pt", torch::kCPU);
  EXPECT_EQ(loaded.config.model.quant.weight_bits, 6);
  pruneStep(*loaded.model, 0.5, "global", false);
  const auto file = run("pruned.pt");
  saveCheckpoint(file, *loaded.model, nullptr, TrainState{}, loaded.config);
  auto again = loadCheckpoint(file, torch::kCPU);
  const auto g = loadSplit("val", 1, loaded.config, torch::kCPU).front();
  loaded.model->eval();
  again.model->eval();
  EXPECT_TRUE(torch::equal(scoreGraph(*loaded.model, g), scoreGraph(*again.model, g)))
      << "masks and quantizer scales survive the checkpoint";
  EXPECT_EQ(hiddenWeights(*again.model).prunedFraction(), hiddenWeights(*loaded.model).prunedFraction());
  fs::remove(file);
}

TEST_F(SmallDataset, TeacherWhoseInputsDoNotMatchIsRefused) {
  auto teacher_config = config(1);
  teacher_config.model.edge_features = 0;  // [x_src, x_dst] encoding: fine, the node features match
  const auto good = run("teacher-ok");
  Trainer(teacher_config, good, false).run();
  EXPECT_NO_THROW(Teacher((good / "best.pt").string(), config(1), torch::kCPU));
  // A teacher trained on other node features: rewrite its config's feature names.
  auto loaded = loadCheckpoint(good / "best.pt", torch::kCPU);
  loaded.config.model.node_feature_names = {"a", "b", "c", "d"};
  const auto other = run("teacher-bad.pt");
  saveCheckpoint(other, *loaded.model, nullptr, TrainState{}, loaded.config);
  try {
    Teacher(other.string(), config(1), torch::kCPU);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("node features [a, b, c, d]"), std::string::npos) << e.what();
  }
  fs::remove(other);
}

TEST_F(SmallDataset, GradualPruningReachesItsTargetWithinOneRunAndKeepsItsBestEpochThere) {
  const auto parent = run("gradual-parent");
  Trainer(config(1), parent, false).run();
  PruneConfig prune = gradualSchedule(3, 2, 3, 0.8);
  prune.prune_scope = "lamp";
  prune.prune_tolerance = 10;
  const auto out = run("gradual");
  const auto rounds = runIterativePruning(parent / "best.pt", config(1), prune, out, false);
  ASSERT_EQ(rounds.size(), 4u) << "the parent and one row per epoch";
  EXPECT_EQ(rounds[0].pruned_fraction, 0);
  const double after_one = gradualPrunedFraction(prune, 0, 1);
  EXPECT_GT(after_one, 0.5);
  EXPECT_LT(after_one, 0.8);
  EXPECT_NEAR(rounds[1].pruned_fraction, after_one, 0.01);
  EXPECT_FALSE(rounds[1].accepted) << "not yet at the target";
  for (int e : {2, 3}) {
    EXPECT_NEAR(rounds[e].pruned_fraction, 0.8, 0.01) << e;
    EXPECT_TRUE(rounds[e].accepted) << e;
  }
  // best.pt: the better of the two epochs at the target (by validation loss), masks kept.
  const auto best = loadCheckpoint(out / "best.pt", torch::kCPU);
  EXPECT_NEAR(hiddenWeights(*best.model).prunedFraction(), 0.8, 0.01);
  const auto val = loadSplit("val", 0, config(1), torch::kCPU);
  EXPECT_NEAR(evaluate(*best.model, val, 0.5).loss, std::min(rounds[2].val_loss, rounds[3].val_loss), 1e-6);
  EXPECT_EQ(readPruneRounds(out).size(), 4u);

  // Resuming the finished run trains nothing and gives the same rows; changed settings are refused.
  const auto again = runIterativePruning(parent / "best.pt", config(1), prune, out, true);
  ASSERT_EQ(again.size(), 4u);
  EXPECT_NEAR(again[3].val_loss, rounds[3].val_loss, 1e-8) << "read back from rounds.csv";
  auto elsewhere = config(1);
  elsewhere.threads = 2;
  EXPECT_NO_THROW(runIterativePruning(parent / "best.pt", elsewhere, prune, out, true)) << "threads may change";
  // More epochs at the target continue the run: one more row, the ramp's rows unchanged.
  PruneConfig longer = prune;
  longer.prune_epochs = 4;
  const auto continued = runIterativePruning(parent / "best.pt", config(1), longer, out, true);
  ASSERT_EQ(continued.size(), 5u);
  EXPECT_NEAR(continued[1].val_loss, rounds[1].val_loss, 1e-8);
  EXPECT_NEAR(continued[4].pruned_fraction, 0.8, 0.01);
  prune = longer;
  prune.prune_target = 0.7;
  EXPECT_THROW(runIterativePruning(parent / "best.pt", config(1), prune, out, true), Error);
}

TEST_F(SmallDataset, MiniatureScanEndToEndAndResumeRefusesChangedSettings) {
  const auto out = run("scan");
  const auto yaml = run("scan.yaml");
  const auto write = [&](const std::string& extra) {
    writeFileAtomically(yaml, "set:\n  input_dir: " + config(1).input_dir +
                                  "\n  hidden: 8\n  n_graph_iters: 2\n  nb_node_layer: 2\n  nb_edge_layer: 2\n"
                                  "  max_epochs: 2\n  warmup: 1\n  lr: 3.0e-3\n  threads: 1\n"
                                  "runs:\n  - name: float\n  - name: w4\n    set: {weight_bits: 4, activation_bits: 4, "
                                  "init_from: '@float'}\n  - name: pruned\n    prune: true\n    set: {init_from: "
                                  "'@w4', prune_fraction: 0.5, prune_epochs: 1, prune_max_rounds: 2, prune_tolerance: "
                                  "10}\n  - name: student\n    teacher: '@float'\n" +
                                  extra);
  };
  write("grid:\n  hidden: [8]\n");
  const auto scan = ScanConfig::fromFile(yaml.string());
  ASSERT_EQ(scan.runs.size(), 4u);
  EXPECT_EQ(scan.runs[1].name, "w4,hidden=8");
  const auto results = runScan(scan, out, false);
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[1].quant, "w4a4");
  EXPECT_TRUE(results[2].pruned);
  EXPECT_NEAR(results[2].size.pruned_fraction, 0.75, 0.01) << "two accepted rounds of 50%";
  EXPECT_TRUE(results[3].distilled);
  for (const auto& r : results) {
    EXPECT_GT(r.test.efficiency, 0) << r.name;
    EXPECT_TRUE(fs::exists(out / "runs" / r.name / "best.pt")) << r.name;
  }
  EXPECT_TRUE(fs::exists(out / "results.md"));
  EXPECT_TRUE(fs::exists(out / "efficiency_vs_parameters.png"));
  EXPECT_TRUE(fs::exists(out / "efficiency_vs_bits.png"));
  EXPECT_TRUE(fs::exists(out / "efficiency_vs_pruned_pruned,hidden=8.png"));
  EXPECT_NE(readFile(out / "results.md").find("| w4,hidden=8 |"), std::string::npos);

  // Resuming the finished scan reads the results back; a changed scan is refused.
  const auto again = runScan(ScanConfig::fromFile(yaml.string()), out, true);
  EXPECT_EQ(again[1].test.efficiency, results[1].test.efficiency);
  EXPECT_THROW(runScan(scan, out, false), Error) << "without --resume";
  auto elsewhere = ScanConfig::fromFile(yaml.string());
  for (auto& run : elsewhere.runs) run.train.threads = 2;
  EXPECT_NO_THROW(runScan(elsewhere, out, true)) << "the thread count says where a scan runs, not what it computes";
  write("grid:\n  hidden: [8]\n");
  auto changed = ScanConfig::fromFile(yaml.string());
  changed.runs[1].train.model.quant.weight_bits = 6;
  try {
    runScan(changed, out, true);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("w4,hidden=8.weight_bits: 4 -> 6"), std::string::npos) << e.what();
  }
  // A reference to a later run is an error naming it.
  writeFileAtomically(yaml, "set: {input_dir: x}\nruns:\n  - name: a\n    set: {init_from: '@b'}\n  - name: b\n");
  EXPECT_THROW(ScanConfig::fromFile(yaml.string()), Error);
  fs::remove(yaml);
}

}  // namespace
}  // namespace efgnn
