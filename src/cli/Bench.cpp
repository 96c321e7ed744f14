// `efgnn bench`: inference time per event of an edge classifier on every backend at hand, the
// same graphs for all, median and spread after warm-up; also events/s with one event per
// thread, the runtime's multiply-adds per event, and its agreement with LibTorch.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>

#include "benchmark/OnnxRuntimeRunner.hpp"
#include "cli/Commands.hpp"
#include "cli/Common.hpp"
#include "core/AtomicFile.hpp"
#include "core/Error.hpp"
#include "core/Parallel.hpp"
#include "core/PeakMemory.hpp"
#include "core/Statistics.hpp"
#include "core/TempDir.hpp"
#include "graph/GraphDataset.hpp"
#include "model/ModelExport.hpp"
#include "model/OnnxExport.hpp"
#include "model/TorchThreads.hpp"
#include "ops/TrainingKernels.hpp"
#include "pipeline/RuntimeEdgeScorer.hpp"
#include "runtime/EdgeClassifier.hpp"
#include "train/Checkpoint.hpp"
#include "train/Evaluation.hpp"

namespace efgnn::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string config, graphs, split = "all", backend = "all", onnx_runner = "bench/onnx/run.js", isa_name = "best";
  std::vector<std::string> models, sets;
  std::size_t max_graphs = 1, runs = 5, warmup = 1;
  int threads = 1;
  bool json = false;
  runtime::Isa isa = runtime::Isa::Best;  // --isa, resolved for this CPU by run()
};

double msSince(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

/// ms per event: `runs` passes over the graphs after `warmup` passes; one value per event and
/// run. Also records the backend's peak memory in `peak_mib`.
template <class GraphT, class Infer>
StageTiming timeBackend(const std::string& name, const std::vector<GraphT>& graphs, const Options& o, Infer infer,
                        std::map<std::string, double>* peak_mib = nullptr) {
  const PeakMemory memory;
  StageTiming t{name, {}};
  for (std::size_t r = 0; r < o.warmup + o.runs; ++r)
    for (const auto& g : graphs) {
      const auto t0 = Clock::now();
      infer(g);
      if (r >= o.warmup) t.ms.push_back(msSince(t0));
    }
  if (peak_mib) (*peak_mib)[name] = memory.extraMiB();
  return t;
}

bool isModelFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[8] = {};
  in.read(magic, sizeof magic);
  return in && std::string(magic, sizeof magic) == "EFGNNMDL";
}

/// The graphs of --split, at most --max-graphs of them.
std::vector<std::uint64_t> selectedGraphs(const GraphDataset& dataset, const Options& o) {
  auto ids = dataset.ids(o.split);
  if (ids.empty()) throw Error(o.graphs + ": split '" + o.split + "' is empty");
  if (o.max_graphs > 0 && ids.size() > o.max_graphs) ids.resize(o.max_graphs);
  return ids;
}

/// The runtime's timing keys for a model: float, or integer with dense and sparse weights.
std::vector<std::pair<std::string, bool>> runtimeVariants(bool integer) {
  if (!integer) return {{"runtime_float_ms", true}};
  return {{"runtime_int_ms", false}, {"runtime_sparse_int_ms", true}};
}

/// An exported model file: the runtime alone.
void runModelFile(const Options& o, const std::string& path) {
  // An exported model takes the graph's features as they are stored (the ACTS convention).
  const GraphDataset dataset(o.graphs);
  std::vector<Graph> graphs;
  for (const auto id : selectedGraphs(dataset, o)) graphs.push_back(dataset.read(id));
  Json j = Json::object();
  j["model"] = path;
  j["graphs"] = graphs.size();
  j["threads"] = o.threads;
  j["runtime_isa"] = runtime::nameOf(o.isa);
  const runtime::ModelFile file = runtime::ModelFile::read(path);
  std::map<std::string, double> peak;
  for (const auto& [key, sparse] : runtimeVariants(runtime::Architecture::of(file, path).integer())) {
    const runtime::EdgeClassifier classifier(file, path, {o.threads, 256, sparse, o.isa});
    const StageTiming t = timeBackend(
        key, graphs, o, [&](const Graph& g) { classifier.logits(runtimeInputOf(g)); }, &peak);
    const std::string stem = key.substr(0, key.size() - 3);
    j[key] = t.medianMs();
    j[stem + "_max_ms"] = t.maxMs();
    // Without LibTorch in the process, what the runtime adds is its own (the first variant's;
    // a second one reuses the first one's working arrays).
    j[stem + "_peak_memory_mib"] = peak[key];
    if (!o.json)
      std::printf("%s %.2f (max %.2f) over %zu graph(s)\n", key.c_str(), t.medianMs(), t.maxMs(), graphs.size());
  }
  if (o.json) printJson(j);
}

/// ONNX Runtime through the node script (npm onnxruntime-node): the model exported to ONNX, each
/// graph written to a temporary directory; ms per run as the script measures them (after its
/// own warm-up run). Nothing when node or the package is missing (with a notice). Its logits on
/// every graph are compared with the model's own (LibTorch; for a quantization-aware trained model
/// the QAT model in evaluation mode) into `j`: decisions at the model's cut that differ, and the
/// largest difference of scores (sigmoid) and of logits.
std::optional<StageTiming> timeOnnxRuntime(EdgeClassifierModel& model, const std::string& name,
                                           const std::vector<GraphTensors>& graphs, const Options& o,
                                           std::map<std::string, double>& peak_mib, double edge_cut, Json& j) {
#ifndef EFGNN_HAVE_ONNX
  std::fprintf(stderr, "efgnn: notice: built without ONNX support; no ONNX Runtime timing\n");
  return std::nullopt;
#endif
  std::string why;
  const auto runner = OnnxRuntimeRunner::find(o.onnx_runner, why);
  if (!runner) {
    std::fprintf(stderr, "efgnn: notice: %s\n", why.c_str());
    return std::nullopt;
  }
  const TempDir scratch("efgnn-bench-onnx");  // private, removed on return or throw
  const auto onnx = scratch.path() / "model.onnx";
  writeFileAtomically(onnx, onnxModelOf(toModelFile(model), name));
  StageTiming t{model.config().quant.quantized() ? "onnxruntime_qcdq_ms" : "onnxruntime_float_ms", {}};
  const std::string stem = t.stage.substr(0, t.stage.size() - 3);
  const double cut = std::log(edge_cut / (1 - edge_cut));
  std::size_t differing = 0, compared = 0;
  double worst_score = 0, worst_logit = 0;
  for (const auto& g : graphs) {
    const OnnxRuntimeRunner::Result ran = runner->run(onnx, g.runtimeInput(), o.runs, o.threads);
    t.ms.insert(t.ms.end(), ran.ms.begin(), ran.ms.end());
    // The node process's own figure (ONNX Runtime runs there, not in this process).
    peak_mib[t.stage] = std::max(peak_mib[t.stage], ran.peak_mib);
    torch::NoGradGuard no_grad;
    const auto mine = model.forward(g.x, g.edge_index, g.edge_attr).contiguous();
    const float* want = mine.data_ptr<float>();
    const auto sigmoid = [](double v) { return 1 / (1 + std::exp(-v)); };
    for (std::size_t k = 0; k < ran.logits.size(); ++k) {
      differing += (ran.logits[k] > cut) != (want[k] > cut);
      worst_score = std::max(worst_score, std::abs(sigmoid(ran.logits[k]) - sigmoid(want[k])));
      worst_logit = std::max(worst_logit, std::abs(double(ran.logits[k]) - want[k]));
    }
    compared += ran.logits.size();
  }
  j[stem + "_edges_compared"] = compared;
  j[stem + "_decisions_differing"] = differing;
  j[stem + "_max_score_difference"] = worst_score;
  j[stem + "_max_logit_difference"] = worst_logit;
  return t;
}

/// The largest difference relative to max(1, |reference logit|).
double worstDifference(const std::vector<float>& got, const torch::Tensor& want_in) {
  const auto want = want_in.to(torch::kDouble).contiguous();
  double worst = 0;
  for (std::size_t k = 0; k < got.size(); ++k) {
    const double w = want.data_ptr<double>()[k];
    worst = std::max(worst, std::abs(got[k] - w) / std::max(1.0, std::abs(w)));
  }
  return worst;
}

/// LibTorch in double precision on the same parameters: how far float rounding alone moves the
/// logits.
torch::Tensor doublePrecisionLogits(EdgeClassifierModel& model, const ModelConfig& config, const GraphTensors& g) {
  auto copy = makeModel(config);
  auto from = model.named_parameters();
  for (auto& p : copy->named_parameters()) p.value().copy_(from[p.key()]);
  auto from_buffers = model.named_buffers();
  for (auto& b : copy->named_buffers()) b.value().copy_(from_buffers[b.key()]);
  copy->to(torch::kDouble);
  copy->eval();
  return copy->forward(g.x.to(torch::kDouble), g.edge_index,
                       g.edge_attr.defined() ? g.edge_attr.to(torch::kDouble) : g.edge_attr);
}

/// Everything measured for one model (a float one, or a quantization-aware trained one): timings
/// into `timings`, agreement and rates into `j`.
struct BenchResults {
  Json j = Json::object();
  std::vector<StageTiming> timings;
  std::map<std::string, double> peak_mib, multiply_adds_per_second;
  std::size_t graphs = 0;
  double nodes = 0, edges = 0;  // per event
  const StageTiming* find(const std::string& stage) const {
    for (const auto& t : timings)
      if (t.stage == stage) return &t;
    return nullptr;
  }
};

void benchModel(EdgeClassifierModel& model, const TrainConfig& config, const std::string& name, const Options& o,
                BenchResults& results) {
  Json& j = results.j;
  auto& timings = results.timings;
  auto& peak = results.peak_mib;
  model.eval();
  const bool quantized = config.model.quant.quantized();
  const std::string kind = quantized ? "qat" : "float";
  const GraphDataset dataset(o.graphs);
  std::vector<GraphTensors> graphs;
  double nodes = 0, edges = 0;
  for (const auto id : selectedGraphs(dataset, o)) {
    graphs.push_back(GraphTensors::from(dataset.read(id), config, torch::kCPU, dataset.fileOf(id).string()));
    nodes += static_cast<double>(graphs.back().x.size(0));
    edges += static_cast<double>(graphs.back().edge_index.size(1));
  }
  j[kind + "_model"] = name;
  results.graphs = graphs.size();
  results.nodes = nodes / static_cast<double>(graphs.size());
  results.edges = edges / static_cast<double>(graphs.size());
  j["graphs"] = results.graphs;
  j["nodes_per_event"] = results.nodes;
  j["edges_per_event"] = results.edges;
  const auto wanted = [&](const char* backend) { return o.backend == "all" || o.backend == backend; };
  // A quantizer never run calibrates on its first input (a random model's): the first graph,
  // before anything is timed or exported.
  if (quantized) scoreGraph(model, graphs[0]);
  if (wanted("libtorch"))
    timings.push_back(timeBackend(
        "libtorch_" + kind + "_ms", graphs, o, [&](const GraphTensors& g) { scoreGraph(model, g); }, &peak));
  if (wanted("runtime")) {
    torch::NoGradGuard no_grad;
    const runtime::ModelFile file = toModelFile(model);
    const GraphTensors& g0 = graphs[0];
    const auto libtorch_logits = model.forward(g0.x, g0.edge_index, g0.edge_attr).contiguous();
    const float* libtorch = libtorch_logits.data_ptr<float>();
    // How far float rounding alone goes: the same model in double precision (LibTorch), once.
    const auto double_logits = doublePrecisionLogits(model, config.model, g0).contiguous();
    const double* exact = double_logits.data_ptr<double>();
    const auto n_edges = static_cast<std::size_t>(libtorch_logits.numel());
    // Edge decisions at the model's cut (quantized models: a flipped code moves logits, so
    // decisions are what to compare).
    const double cut = std::log(config.edge_cut / (1 - config.edge_cut));
    const auto differing = [&](const auto* a, const auto* b) {
      std::size_t n = 0;
      for (std::size_t k = 0; k < n_edges; ++k) n += (a[k] > cut) != (b[k] > cut);
      return n;
    };
    if (!quantized)
      j["libtorch_float_vs_double_max_relative_difference"] =
          worstDifference(std::vector<float>(libtorch, libtorch + n_edges), double_logits);
    else
      j["libtorch_qat_decisions_differing_vs_double"] = differing(libtorch, exact);
    for (const auto& [key, sparse] : runtimeVariants(file.settings.at("weights") == "integer")) {
      const runtime::EdgeClassifier classifier(file, name, {o.threads, 256, sparse, o.isa});
      timings.push_back(timeBackend(
          key, graphs, o, [&](const GraphTensors& g) { classifier.logits(g.runtimeInput()); }, &peak));
      const std::string stem = key.substr(0, key.size() - 3);
      // Agreement on the first graph with LibTorch (float or QAT), in float and in double.
      const auto got = classifier.logits(g0.runtimeInput());
      j[stem + "_max_relative_difference"] = worstDifference(got, libtorch_logits);
      if (!quantized) {
        j[stem + "_vs_double_max_relative_difference"] = worstDifference(got, double_logits);
      } else {
        const std::size_t differ = differing(got.data(), libtorch);
        j[stem + "_decisions_differing"] = differ;
        j[stem + "_decision_agreement"] = 1.0 - static_cast<double>(differ) / static_cast<double>(n_edges);
        std::size_t close = 0;
        for (std::size_t k = 0; k < n_edges; ++k)
          close += std::abs(got[k] - libtorch[k]) <= 1e-4 * std::max(1.0, std::abs(double(libtorch[k])));
        j[stem + "_logits_within_1e-4"] = static_cast<double>(close) / static_cast<double>(n_edges);
        j[stem + "_decisions_differing_vs_double"] = differing(got.data(), exact);
      }
      const double macs = classifier.multiplyAdds(static_cast<std::size_t>(nodes / graphs.size()),
                                                  static_cast<std::size_t>(edges / graphs.size()));
      j[stem + "_multiply_adds_per_event"] = macs;
      results.multiply_adds_per_second[stem] = macs / (timings.back().medianMs() * 1e-3);
      j[stem + "_multiply_adds_per_second"] = results.multiply_adds_per_second[stem];
      // Event-level parallelism: one event per thread, each on one thread.
      const runtime::EdgeClassifier single(file, name, {1, 256, sparse, o.isa});
      const std::size_t events = std::max<std::size_t>(graphs.size(), 2) * o.runs;
      const auto t0 = Clock::now();
      parallelFor(events, o.threads, [&](std::size_t i) { single.logits(graphs[i % graphs.size()].runtimeInput()); });
      j[stem + "_events_per_second"] = 1000.0 * static_cast<double>(events) / msSince(t0);
    }
  }
  // ONNX Runtime on the exported model: float, or QCDQ for a quantized one.
  if (wanted("onnxruntime"))
    if (const auto ms = timeOnnxRuntime(model, name, graphs, o, peak, config.edge_cut, j)) timings.push_back(*ms);
}

void run(Options o) {
  configureTorchThreads(o.threads);
  // The LibTorch backend as a deployment through LibTorch runs it: LibTorch's own operations,
  // not the training engine's kernels (which are the runtime's).
  setTrainingKernels(TrainingKernels::LibTorch);
  if (o.backend != "all" && o.backend != "libtorch" && o.backend != "runtime" && o.backend != "onnxruntime")
    throw Error("--backend: expected all, libtorch, runtime or onnxruntime, got '" + o.backend + "'");
  try {
    o.isa = runtime::resolve(runtime::isaNamed(o.isa_name));
  } catch (const std::invalid_argument& e) {
    throw Error(std::string("--isa: ") + e.what());
  }
  if (o.models.size() == 1 && isModelFile(o.models[0])) {
    runModelFile(o, o.models[0]);
    return;
  }
  BenchResults results;
  Json& j = results.j;
  j["threads"] = o.threads;
  j["runtime_isa"] = runtime::nameOf(o.isa);
  const auto& timings = results.timings;
  std::set<bool> kinds;
  if (o.models.empty()) {
    if (o.config.empty()) throw Error("bench: give --model CKPT or --config CFG (a randomly initialised model)");
    TrainConfig config;
    auto model = randomModelFromCommandLine(o.config, o.sets, &config);
    benchModel(*model, config, "random " + o.config, o, results);
  }
  for (const auto& path : o.models) {
    if (isModelFile(path)) throw Error(path + ": give an exported model file alone (--model FILE.efgnn)");
    LoadedCheckpoint ckpt = loadCheckpoint(path, torch::kCPU);
    if (!kinds.insert(ckpt.config.model.quant.quantized()).second)
      throw Error("bench: --model twice: give at most one float and one quantized checkpoint");
    benchModel(*ckpt.model, ckpt.config, path, o, results);
  }
  // The arithmetic limit: this machine's SGEMM rate (OpenBLAS's own threads, as many as ours).
  {
    const double sgemm = sgemmMultiplyAddsPerSecond(o.threads);
    j["sgemm_multiply_adds_per_second"] = sgemm;
    for (const auto& [stem, rate] : results.multiply_adds_per_second) j[stem + "_fraction_of_sgemm"] = rate / sgemm;
  }
  for (const auto& t : timings) {
    j[t.stage] = t.medianMs();
    Json spread = Json::object();
    spread["min"] = *std::min_element(t.ms.begin(), t.ms.end());
    spread["max"] = t.maxMs();
    spread["mean"] = t.meanMs();
    spread["samples"] = t.ms.size();
    j[t.stage.substr(0, t.stage.size() - 3) + "_spread_ms"] = spread;
    j[t.stage.substr(0, t.stage.size() - 3) + "_peak_memory_mib"] = results.peak_mib[t.stage];
  }
  for (const char* absent : {"libtorch_float_ms", "libtorch_qat_ms", "runtime_float_ms", "runtime_int_ms",
                             "runtime_sparse_int_ms", "onnxruntime_float_ms", "onnxruntime_qcdq_ms"})
    if (std::none_of(timings.begin(), timings.end(), [&](const StageTiming& t) { return t.stage == absent; }))
      j[absent] = nullptr;  // no such model given, or that backend not run
  // The comparisons the inference figures ask for, where both sides were measured.
  const auto ratio = [&](const char* name, const char* slow, const char* fast) {
    if (results.find(slow) && results.find(fast))
      j[name] = results.find(slow)->medianMs() / results.find(fast)->medianMs();
  };
  ratio("runtime_float_speedup_vs_libtorch", "libtorch_float_ms", "runtime_float_ms");
  ratio("runtime_float_speedup_vs_onnxruntime", "onnxruntime_float_ms", "runtime_float_ms");
  ratio("runtime_sparse_int_speedup_vs_runtime_float", "runtime_float_ms", "runtime_sparse_int_ms");
  ratio("runtime_sparse_int_speedup_vs_libtorch_qat", "libtorch_qat_ms", "runtime_sparse_int_ms");
  ratio("runtime_sparse_int_speedup_vs_onnxruntime_qcdq", "onnxruntime_qcdq_ms", "runtime_sparse_int_ms");
  if (o.json) {
    printJson(j);
    return;
  }
  std::printf(
      "%zu graph(s), %.0f nodes and %.0f edges per event, %d thread(s); ms/event median (min-max) over %zu runs:\n",
      results.graphs, results.nodes, results.edges, o.threads, o.runs);
  for (const auto& t : timings)
    std::printf("  %-20s %9.2f  (%.2f-%.2f)\n", t.stage.c_str(), t.medianMs(),
                *std::min_element(t.ms.begin(), t.ms.end()), t.maxMs());
}

}  // namespace

void addBenchCommand(CLI::App& app) {
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("bench", "Inference time per event on every backend (LibTorch, the runtime)");
  cmd->add_option("--model", o->models,
                  "Checkpoint (without it: a random model of --config); twice for a float and a quantized one timed in "
                  "the same run; or one exported FILE.efgnn (the runtime alone)");
  cmd->add_option("--config", o->config, "Training/model YAML for a randomly initialised model");
  cmd->add_option("--set", o->sets, "Override a config key: key=value (repeatable)");
  cmd->add_option("--graphs", o->graphs, "Graph data set")->required();
  cmd->add_option("--split", o->split, "Split to take graphs from")->capture_default_str();
  cmd->add_option("--max-graphs", o->max_graphs, "Graphs timed (0 = all)")->capture_default_str();
  cmd->add_option("--runs", o->runs, "Timed passes over the graphs")->capture_default_str();
  cmd->add_option("--warmup", o->warmup, "Untimed passes first")->capture_default_str();
  cmd->add_option("--threads", o->threads, "Threads of every backend")->capture_default_str();
  cmd->add_option("--isa", o->isa_name, "Instruction set of the runtime's kernels: best, base, avx2 or avx512")
      ->capture_default_str();
  cmd->add_option("--onnx-runner", o->onnx_runner, "ONNX Runtime script (node, npm onnxruntime-node beside it)")
      ->capture_default_str();
  cmd->add_option("--backend", o->backend,
                  "all, libtorch, runtime or onnxruntime (one backend per process gives clean peak-memory figures)")
      ->capture_default_str();
  cmd->add_flag("--json", o->json, "One JSON object on stdout");
  cmd->callback([o] { run(*o); });
}

}  // namespace efgnn::cli
