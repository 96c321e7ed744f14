// Checkpoints of the reference pipeline, written by PyTorch itself (Debian's python3-torch runs
// make_reference_checkpoint.py), imported without Python: the same scores as PyTorch's, then
// through pruning, export and the runtime as efgnn's own models.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "TempDirTest.hpp"
#include "compress/Pruning.hpp"
#include "core/Error.hpp"
#include "core/Process.hpp"
#include "benchmark/OnnxRuntimeRunner.hpp"
#include "io/TorchFile.hpp"
#include "model/InteractionGnn.hpp"
#include "model/ModelExport.hpp"
#include "model/OnnxExport.hpp"
#include "runtime/EdgeClassifier.hpp"
#include "train/ReferenceCheckpoint.hpp"

namespace efgnn {
namespace {

template <class T>
std::vector<T> readRaw(const std::filesystem::path& file, std::size_t count) {
  std::vector<T> v(count);
  std::ifstream in(file, std::ios::binary);
  in.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(count * sizeof(T)));
  EXPECT_TRUE(in.good()) << file;
  return v;
}

/// A checkpoint of the reference's InteractionGNN2, a graph and PyTorch's scores for it.
struct ReferenceCase {
  std::filesystem::path checkpoint;
  std::int64_t nodes = 0, edges = 0;
  std::vector<float> x, edge_attr, scores;
  std::vector<std::int64_t> edge_index;

  torch::Tensor logits(EdgeClassifierModel& model) const {
    torch::NoGradGuard no_grad;
    model.eval();
    const int edge_features = model.config().edge_features;
    const auto attr = torch::from_blob(const_cast<float*>(edge_attr.data()), {edges, 6}).clone();
    return model
        .forward(torch::from_blob(const_cast<float*>(x.data()), {nodes, 4}).clone(),
                 torch::from_blob(const_cast<std::int64_t*>(edge_index.data()), {2, edges}, torch::kInt64).clone(),
                 edge_features ? attr : torch::Tensor())
        .contiguous();
  }
  std::vector<float> runtimeLogits(const runtime::ModelFile& file, int edge_features,
                                   runtime::Isa isa = runtime::Isa::Best) const {
    runtime::EdgeClassifier::Config config;
    config.isa = isa;
    const runtime::EdgeClassifier classifier(file, "test", config);
    return classifier.logits({x.data(), static_cast<std::size_t>(nodes), 4, edge_index.data(),
                              static_cast<std::size_t>(edges), edge_features ? edge_attr.data() : nullptr,
                              static_cast<std::size_t>(edge_features)});
  }
};

class ReferenceCheckpoint : public test::TempDirTest {
 protected:
  ReferenceCase make(const std::string& variant) {
    const auto out = dir / variant;
    std::filesystem::create_directories(out);
    ProcessOptions o;
    o.capture_stdout = true;
    o.stderr_to_stdout = true;
    o.missing_hint = "(Debian's python3 with python3-torch: scripts/install-deps.sh)";
    const auto r = runProcess({"/usr/bin/python3", EFGNN_SOURCE_DIR "/tests/compress/make_reference_checkpoint.py",
                               out.string(), variant, "11"},
                              o);
    EXPECT_TRUE(r.ok()) << r.describe() << "\n" << r.output;
    ReferenceCase c;
    c.checkpoint = out / "model.ckpt";
    std::ifstream(out / "shape.txt") >> c.nodes >> c.edges;
    const auto n = static_cast<std::size_t>(c.nodes), e = static_cast<std::size_t>(c.edges);
    c.x = readRaw<float>(out / "x.f32", 4 * n);
    c.edge_attr = readRaw<float>(out / "edge_attr.f32", 6 * e);
    c.scores = readRaw<float>(out / "scores.f32", e);
    c.edge_index = readRaw<std::int64_t>(out / "edge_index.i64", 2 * e);
    return c;
  }
};

/// The largest difference of two sets of logits, relative to max(1, |logit|) (float32 carries
/// about 7 digits: logits of a few units differ from another order of sums in the 6th).
double maxDifference(const std::vector<float>& a, const float* b) {
  double worst = 0;
  for (std::size_t k = 0; k < a.size(); ++k)
    worst = std::max(worst, std::abs(double(a[k]) - b[k]) / std::max(1.0, std::abs(double(a[k]))));
  return worst;
}

TEST_F(ReferenceCheckpoint, ImportedModelsScoreAsPyTorchDoes) {
  for (const std::string variant : {"layernorm", "batchnorm", "batchnorm_running", "recurrent"}) {
    SCOPED_TRACE(variant);
    const ReferenceCase c = make(variant);
    ASSERT_EQ(c.scores.size(), static_cast<std::size_t>(c.edges));
    double largest = 0;
    for (const float s : c.scores) largest = std::max(largest, double(std::abs(s)));
    RecordProperty(variant + "_largest_logit", std::to_string(largest));
    const ImportedCheckpoint imported = importReferenceCheckpoint(c.checkpoint);
    EXPECT_EQ(imported.config.hidden, 8);
    EXPECT_EQ(imported.config.n_graph_iters, 3);
    EXPECT_EQ(imported.config.batchnorm, variant.rfind("batchnorm", 0) == 0);
    EXPECT_EQ(imported.config.node_net_recurrent, variant == "recurrent");
    const auto logits = imported.model->forward(torch::zeros({0, 4}), torch::zeros({2, 0}, torch::kInt64),
                                                torch::zeros({0, 6}));  // an empty graph runs
    EXPECT_EQ(logits.size(0), 0);
    const auto ours = c.logits(*imported.model);
    const double libtorch = maxDifference(c.scores, ours.data_ptr<float>());
    char text[32];
    std::snprintf(text, sizeof text, "%.3g", libtorch);
    RecordProperty(variant + "_libtorch_max_logit_difference", text);
    EXPECT_LT(libtorch, 1e-5);

    // The runtime: BatchNorm folded into the Linear layers when it has running statistics,
    // computed on the graph's own statistics when it has none.
    const auto file = toModelFile(*imported.model);
    EXPECT_EQ(file.settings.at("batchnorm"), variant == "batchnorm" ? "true" : "false");
    for (const runtime::Isa isa : runtime::supportedIsas()) {
      const auto runtime = c.runtimeLogits(file, imported.config.edge_features, isa);
      const double runtime_difference = maxDifference(runtime, c.scores.data());
      char text[32];
      std::snprintf(text, sizeof text, "%.3g", runtime_difference);
      RecordProperty(variant + "_runtime_" + runtime::nameOf(isa) + "_max_logit_difference", text);
      EXPECT_LT(runtime_difference, 1e-5) << runtime::nameOf(isa);
    }
#ifdef EFGNN_HAVE_ONNX
    // ONNX Runtime on the ONNX export, where it is installed (as the ACTS plugin would run it).
    std::string why;
    if (const auto ort = OnnxRuntimeRunner::find(std::filesystem::path(EFGNN_SOURCE_DIR) / "bench/onnx/run.js", why)) {
      std::ofstream(dir / "model.onnx", std::ios::binary) << onnxModelOf(file, c.checkpoint.string());
      const int edge_features = imported.config.edge_features;
      const auto got = ort->run(dir / "model.onnx",
                                {c.x.data(), static_cast<std::size_t>(c.nodes), 4, c.edge_index.data(),
                                 static_cast<std::size_t>(c.edges), edge_features ? c.edge_attr.data() : nullptr,
                                 static_cast<std::size_t>(edge_features)},
                                1, 1);
      const double onnx_difference = maxDifference(got.logits, c.scores.data());
      char text[32];
      std::snprintf(text, sizeof text, "%.3g", onnx_difference);
      RecordProperty(variant + "_onnxruntime_max_logit_difference", text);
      EXPECT_LT(onnx_difference, 1e-5);
    }
#endif
  }
}

TEST_F(ReferenceCheckpoint, ImportedModelsArePrunedExportedAndRunByTheRuntime) {
  const ReferenceCase c = make("layernorm");
  ImportedCheckpoint imported = importReferenceCheckpoint(c.checkpoint);
  EdgeClassifierModel& model = *imported.model;
  pruneStep(model, 0.5, "global", false);
  EXPECT_NEAR(hiddenWeights(model).prunedFraction(), 0.5, 0.02);
  const auto pruned = c.logits(model);
  // Pruning changed the model...
  EXPECT_GT(maxDifference(c.scores, pruned.data_ptr<float>()), 1e-4);
  // ...and the runtime computes the pruned one.
  const auto runtime = c.runtimeLogits(toModelFile(model), 6);
  EXPECT_LT(maxDifference(runtime, pruned.data_ptr<float>()), 1e-5);
}

TEST_F(ReferenceCheckpoint, WhatIsNotACheckpointIsRefusedByName) {
  const ReferenceCase c = make("layernorm");
  // Not a zip archive.
  std::ofstream(path("text.ckpt")) << "not a checkpoint";
  EXPECT_THROW(importReferenceCheckpoint(path("text.ckpt")), Error);
  // A truncated archive.
  std::string bytes;
  {
    std::ifstream in(c.checkpoint, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::ofstream(path("cut.ckpt"), std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  try {
    importReferenceCheckpoint(path("cut.ckpt"));
    ADD_FAILURE() << "read a truncated checkpoint";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cut.ckpt"), std::string::npos) << e.what();
  }
  // Weights the hyper-parameters do not describe: a fourth iteration's networks.
  {
    ProcessOptions o;
    o.capture_stdout = true;
    o.stderr_to_stdout = true;
    const std::string script =
        "import torch, sys\n"
        "sys.path.insert(0, '" EFGNN_SOURCE_DIR "/tests/compress')\n"
        "import make_reference_checkpoint as m\n"
        "sys.modules['__main__'].AttributeDict = m.AttributeDict\n"
        "c = torch.load(sys.argv[1])\n"
        "c['hyper_parameters']['n_graph_iters'] = 2\n"
        "torch.save(c, sys.argv[2])\n";
    const auto r = runProcess({"/usr/bin/python3", "-c", script, c.checkpoint.string(), path("fewer.ckpt")}, o);
    ASSERT_TRUE(r.ok()) << r.output;
    try {
      importReferenceCheckpoint(path("fewer.ckpt"));
      ADD_FAILURE() << "imported weights its hyper-parameters do not describe";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("edge_network.2.*, which the model"), std::string::npos) << e.what();
    }
  }
  // The hyper-parameters and the whole tree are read: Lightning's dict subclass, integer keys,
  // lists, None.
  const TorchFile f = TorchFile::read(c.checkpoint);
  const pickle::Ref* hp = f.root()->find("hyper_parameters");
  ASSERT_NE(hp, nullptr);
  EXPECT_EQ((*hp)->className(), "__main__.AttributeDict");
  ASSERT_NE((*hp)->find("hidden"), nullptr);
  EXPECT_EQ((*(*hp)->find("hidden"))->integer, 8);
  EXPECT_EQ((*(*hp)->find("edge_output_transform_final_activation"))->kind, pickle::Value::Kind::None);
  EXPECT_DOUBLE_EQ((*(*hp)->find("lr"))->number, 0.001);
  const auto w = f.tensor(**(*f.root()->find("state_dict"))->find("node_encoder.0.weight"), "w");
  EXPECT_EQ(w.sizes, (std::vector<std::int64_t>{8, 4}));
}

}  // namespace
}  // namespace efgnn
