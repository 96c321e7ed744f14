// `efgnn bench`: inference time per event of an edge classifier on every backend at hand, the
// same graphs for all, median and spread after warm-up; also events/s with one event per
// thread, the runtime's multiply-adds per event, and its agreement with LibTorch.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <thread>

#include "cli/Commands.hpp"
#include "cli/Common.hpp"
#include "core/AtomicFile.hpp"
#include "core/Error.hpp"
#include "core/Statistics.hpp"
#include "core/Yaml.hpp"
#include "graph/GraphDataset.hpp"
#include "model/ModelExport.hpp"
#include "model/OnnxExport.hpp"
#include "model/TorchThreads.hpp"
#include "runtime/EdgeClassifier.hpp"
#include "train/Checkpoint.hpp"
#include "train/Trainer.hpp"

namespace efgnn::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string model, config, graphs, split = "all", backend = "all", onnx_runner = "bench/onnx/run.js";
  std::vector<std::string> sets;
  std::size_t max_graphs = 1, runs = 5, warmup = 1;
  int threads = 1;
  bool json = false;
};

double msSince(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

runtime::GraphInput inputOf(const GraphTensors& g) {
  runtime::GraphInput in;
  in.x = g.x.data_ptr<float>();
  in.num_nodes = static_cast<std::size_t>(g.x.size(0));
  in.node_features = static_cast<std::size_t>(g.x.size(1));
  in.edge_index = g.edge_index.data_ptr<std::int64_t>();
  in.num_edges = static_cast<std::size_t>(g.edge_index.size(1));
  if (g.edge_attr.defined() && g.edge_attr.numel() > 0) {
    in.edge_attr = g.edge_attr.data_ptr<float>();
    in.edge_features = static_cast<std::size_t>(g.edge_attr.size(1));
  }
  return in;
}

/// A line of /proc/self/status in MiB ("VmRSS", "VmHWM"); 0 where there is none.
double statusMiB(const std::string& key) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind(key + ":", 0) == 0) return std::stod(line.substr(key.size() + 1)) / 1024.0;
  return 0;
}

/// Memory a backend adds at its peak while it runs: the process's peak resident size (reset
/// first, Linux's clear_refs) minus what was resident before.
struct PeakMemory {
  double before = 0;
  PeakMemory() {
    std::ofstream("/proc/self/clear_refs") << "5";
    before = statusMiB("VmRSS");
  }
  double extraMiB() const { return std::max(0.0, statusMiB("VmHWM") - before); }
};

/// ms per event: `runs` passes over the graphs after `warmup` passes; one value per event and
/// run. Also records the backend's peak memory in `peak_mib`.
template <class Infer>
StageTiming timeBackend(const std::string& name, const std::vector<GraphTensors>& graphs, const Options& o,
                        Infer infer, std::map<std::string, double>* peak_mib = nullptr) {
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

GraphTensors runtimeInputTensors(const Graph& g) {
  // An exported model takes the graph's features as they are stored (the ACTS convention).
  GraphTensors t;
  const auto n = static_cast<long>(g.numNodes()), e = static_cast<long>(g.numEdges());
  t.x = torch::from_blob(const_cast<float*>(g.x.data()), {n, static_cast<long>(g.numNodeFeatures())}).clone();
  t.edge_index = torch::from_blob(const_cast<std::int64_t*>(g.edge_index.data()), {2, e}, torch::kInt64).clone();
  t.edge_attr = torch::from_blob(const_cast<float*>(g.edge_attr.data()), {e, static_cast<long>(g.numEdgeFeatures())}).clone();
  return t;
}

/// The graphs of --split, at most --max-graphs of them.
std::vector<std::uint64_t> selectedGraphs(const GraphDataset& dataset, const Options& o) {
  auto ids = dataset.ids(o.split);
  if (ids.empty()) throw Error(o.graphs + ": split '" + o.split + "' is empty");
  if (o.max_graphs > 0 && ids.size() > o.max_graphs) ids.resize(o.max_graphs);
  return ids;
}

/// An exported model file: the runtime alone.
void runModelFile(const Options& o) {
  const auto classifier = runtime::EdgeClassifier::load(o.model, {o.threads, 256});
  const GraphDataset dataset(o.graphs);
  std::vector<GraphTensors> graphs;
  for (const auto id : selectedGraphs(dataset, o)) graphs.push_back(runtimeInputTensors(dataset.read(id)));
  const StageTiming t = timeBackend("runtime_float_ms", graphs, o, [&](const GraphTensors& g) { classifier.logits(inputOf(g)); });
  Json j = Json::object();
  j["model"] = o.model;
  j["graphs"] = graphs.size();
  j["threads"] = o.threads;
  j["runtime_float_ms"] = t.medianMs();
  j["runtime_float_max_ms"] = t.maxMs();
  if (o.json) printJson(j);
  else std::printf("runtime_float_ms %.2f (max %.2f) over %zu graph(s)\n", t.medianMs(), t.maxMs(), graphs.size());
}

/// ONNX Runtime through the node script (npm onnxruntime-node): the model exported to ONNX, each
/// graph written to a temporary directory; ms per run as the script measures them (after its
/// own warm-up run). Nothing when node or the package is missing (with a notice).
std::optional<StageTiming> timeOnnxRuntime(EdgeClassifierModel& model, const std::vector<GraphTensors>& graphs,
                                           const Options& o) {
  namespace fs = std::filesystem;
  const fs::path runner = o.onnx_runner;
#ifndef EFGNN_HAVE_ONNX
  std::fprintf(stderr, "efgnn: notice: built without ONNX support; no ONNX Runtime timing\n");
  return std::nullopt;
#endif
  if (!fs::exists(runner) || !fs::exists(runner.parent_path() / "node_modules" / "onnxruntime-node")) {
    std::fprintf(stderr, "efgnn: notice: no ONNX Runtime (%s with its node_modules; scripts/install-deps.sh installs it)\n",
                 runner.c_str());
    return std::nullopt;
  }
  const fs::path dir = fs::temp_directory_path() / ("efgnn-bench-onnx-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  StageTiming t{"onnxruntime_float_ms", {}};
  try {
    writeFileAtomically(dir / "model.onnx", onnxModelOf(toModelFile(model), o.model));
    for (const auto& g : graphs) {
      const auto write = [&](const char* name, const torch::Tensor& tensor) {
        const auto c = tensor.contiguous();
        std::ofstream(dir / name, std::ios::binary)
            .write(static_cast<const char*>(c.data_ptr()), static_cast<std::streamsize>(c.numel() * c.element_size()));
      };
      write("x.bin", g.x);
      write("edge_index.bin", g.edge_index);
      const bool attr = g.edge_attr.defined() && g.edge_attr.numel() > 0;
      if (attr) write("edge_attr.bin", g.edge_attr);
      std::ofstream(dir / "shape.json") << "{\"nodes\": " << g.x.size(0) << ", \"node_features\": " << g.x.size(1)
                                        << ", \"edges\": " << g.edge_index.size(1)
                                        << ", \"edge_features\": " << (attr ? g.edge_attr.size(1) : 0) << "}";
      const std::string command = "node " + runner.string() + " " + (dir / "model.onnx").string() + " " + dir.string() +
                                  " " + std::to_string(o.runs) + " " + std::to_string(o.threads) + " > " +
                                  (dir / "ms.json").string();
      if (std::system(command.c_str()) != 0) throw Error("ONNX Runtime failed: " + command);
      const YamlNode ms = YamlNode::parseFile((dir / "ms.json").string());
      for (const double v : ms["ms"].asDoubles()) t.ms.push_back(v);
    }
  } catch (...) {
    fs::remove_all(dir);
    throw;
  }
  fs::remove_all(dir);
  return t;
}

void run(const Options& o) {
  configureTorchThreads(o.threads);
  std::shared_ptr<EdgeClassifierModel> model;
  TrainConfig config;
  if (isModelFile(o.model)) {
    runModelFile(o);
    return;
  }
  if (!o.model.empty()) {
    LoadedCheckpoint ckpt = loadCheckpoint(o.model, torch::kCPU);
    model = ckpt.model;
    config = ckpt.config;
  } else {
    if (o.config.empty()) throw Error("bench: give --model CKPT or --config CFG (a randomly initialised model)");
    model = randomModelFromCommandLine(o.config, o.sets, &config);
  }
  model->eval();
  const GraphDataset dataset(o.graphs);
  std::vector<GraphTensors> graphs;
  double nodes = 0, edges = 0;
  for (const auto id : selectedGraphs(dataset, o)) {
    graphs.push_back(GraphTensors::from(dataset.read(id), config, torch::kCPU, dataset.fileOf(id).string()));
    nodes += static_cast<double>(graphs.back().x.size(0));
    edges += static_cast<double>(graphs.back().edge_index.size(1));
  }

  Json j = Json::object();
  j["model"] = o.model.empty() ? "random " + o.config : o.model;
  j["graphs"] = graphs.size();
  j["nodes_per_event"] = nodes / static_cast<double>(graphs.size());
  j["edges_per_event"] = edges / static_cast<double>(graphs.size());
  j["threads"] = o.threads;
  std::vector<StageTiming> timings;
  double classifierMacs = 0;
  j["runtime_multiply_adds_per_event"] = nullptr;
  const bool quantized = config.model.quant.quantized();
  std::map<std::string, double> peak;
  if (o.backend != "all" && o.backend != "libtorch" && o.backend != "runtime" && o.backend != "onnxruntime")
    throw Error("--backend: expected all, libtorch, runtime or onnxruntime, got '" + o.backend + "'");
  if (o.backend == "all" || o.backend == "libtorch")
    timings.push_back(timeBackend(quantized ? "libtorch_qat_ms" : "libtorch_float_ms", graphs, o,
                                  [&](const GraphTensors& g) { scoreGraph(*model, g); }, &peak));
  if (!quantized && (o.backend == "all" || o.backend == "runtime")) {
    const runtime::EdgeClassifier classifier(toModelFile(*model), o.model, {o.threads, 256});
    timings.push_back(timeBackend("runtime_float_ms", graphs, o,
                                  [&](const GraphTensors& g) { classifier.logits(inputOf(g)); }, &peak));
    // Agreement on the first graph, against LibTorch in float and in double precision (which
    // tells how far float rounding alone moves the logits): the largest difference relative to
    // max(1, |logit|).
    const auto worstDifference = [](const std::vector<float>& got, const torch::Tensor& want_in) {
      const auto want = want_in.to(torch::kDouble).contiguous();
      double worst = 0;
      for (std::size_t k = 0; k < got.size(); ++k) {
        const double w = want.data_ptr<double>()[k];
        worst = std::max(worst, std::abs(got[k] - w) / std::max(1.0, std::abs(w)));
      }
      return worst;
    };
    torch::NoGradGuard no_grad;
    const GraphTensors& g0 = graphs[0];
    const auto float_logits = model->forward(g0.x, g0.edge_index, g0.edge_attr).contiguous();
    const auto got = classifier.logits(inputOf(g0));
    j["runtime_float_max_relative_difference"] = worstDifference(got, float_logits);
    auto model_double = makeModel(config.model);
    {
      auto from = model->named_parameters();
      for (auto& p : model_double->named_parameters()) p.value().copy_(from[p.key()]);
      auto from_buffers = model->named_buffers();
      for (auto& b : model_double->named_buffers()) b.value().copy_(from_buffers[b.key()]);
    }
    model_double->to(torch::kDouble);
    model_double->eval();
    const auto double_logits = model_double->forward(g0.x.to(torch::kDouble), g0.edge_index,
                                                     g0.edge_attr.defined() ? g0.edge_attr.to(torch::kDouble) : g0.edge_attr);
    std::vector<float> libtorch_float(float_logits.data_ptr<float>(), float_logits.data_ptr<float>() + float_logits.numel());
    j["runtime_vs_double_max_relative_difference"] = worstDifference(got, double_logits);
    j["libtorch_float_vs_double_max_relative_difference"] = worstDifference(libtorch_float, double_logits);
    classifierMacs = classifier.multiplyAdds(static_cast<std::size_t>(nodes / graphs.size()),
                                             static_cast<std::size_t>(edges / graphs.size()));
    j["runtime_multiply_adds_per_event"] = classifierMacs;
    // Event-level parallelism: one event per thread, each on one thread.
    const runtime::EdgeClassifier single(toModelFile(*model), o.model, {1, 256});
    const std::size_t events = std::max<std::size_t>(graphs.size(), 2) * o.runs;
    const auto t0 = Clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < o.threads; ++t)
      pool.emplace_back([&, t] {
        for (std::size_t i = static_cast<std::size_t>(t); i < events; i += static_cast<std::size_t>(o.threads))
          single.logits(inputOf(graphs[i % graphs.size()]));
      });
    for (auto& th : pool) th.join();
    j["runtime_float_events_per_second"] = 1000.0 * static_cast<double>(events) / msSince(t0);
  }
  if (!quantized && (o.backend == "all" || o.backend == "onnxruntime")) {
    if (const auto ms = timeOnnxRuntime(*model, graphs, o)) timings.push_back(*ms);
  }
  // The arithmetic limit: this machine's SGEMM rate (LibTorch's BLAS, 2048 x 2048, same threads).
  {
    const auto a = torch::randn({2048, 2048}), b = torch::randn({2048, 2048});
    torch::mm(a, b);
    std::vector<double> rates;
    for (int r = 0; r < 5; ++r) {
      const auto t0 = Clock::now();
      torch::mm(a, b);
      rates.push_back(2048.0 * 2048.0 * 2048.0 / (msSince(t0) * 1e-3));
    }
    j["sgemm_multiply_adds_per_second"] = median(rates);
    const auto runtime_timing = std::find_if(timings.begin(), timings.end(),
                                             [](const StageTiming& t) { return t.stage == "runtime_float_ms"; });
    if (classifierMacs > 0 && runtime_timing != timings.end()) {
      const double runtime_rate = static_cast<double>(classifierMacs) / (runtime_timing->medianMs() * 1e-3);
      j["runtime_float_multiply_adds_per_second"] = runtime_rate;
      j["runtime_float_fraction_of_sgemm"] = runtime_rate / median(rates);
    }
  }
  for (const auto& t : timings) {
    j[t.stage] = t.medianMs();
    Json spread = Json::object();
    spread["min"] = *std::min_element(t.ms.begin(), t.ms.end());
    spread["max"] = t.maxMs();
    spread["mean"] = t.meanMs();
    spread["samples"] = t.ms.size();
    j[t.stage.substr(0, t.stage.size() - 3) + "_spread_ms"] = spread;
    j[t.stage.substr(0, t.stage.size() - 3) + "_peak_memory_mib"] = peak[t.stage];
  }
  for (const char* absent : {"libtorch_float_ms", "libtorch_qat_ms", "runtime_float_ms", "runtime_int_ms", "runtime_sparse_int_ms", "onnxruntime_float_ms"})
    if (std::none_of(timings.begin(), timings.end(), [&](const StageTiming& t) { return t.stage == absent; }))
      j[absent] = nullptr;  // not available (yet) for this model
  if (o.json) {
    printJson(j);
    return;
  }
  std::printf("%zu graph(s), %.0f nodes and %.0f edges per event, %d thread(s); ms/event median (min-max) over %zu runs:\n",
              graphs.size(), nodes / graphs.size(), edges / graphs.size(), o.threads, o.runs);
  for (const auto& t : timings)
    std::printf("  %-20s %9.2f  (%.2f-%.2f)\n", t.stage.c_str(), t.medianMs(), *std::min_element(t.ms.begin(), t.ms.end()),
                t.maxMs());
}

}  // namespace

void addBenchCommand(CLI::App& app) {
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("bench", "Inference time per event on every backend (LibTorch, the runtime)");
  cmd->add_option("--model", o->model, "Checkpoint (without it: a random model of --config)");
  cmd->add_option("--config", o->config, "Training/model YAML for a randomly initialised model");
  cmd->add_option("--set", o->sets, "Override a config key: key=value (repeatable)");
  cmd->add_option("--graphs", o->graphs, "Graph data set")->required();
  cmd->add_option("--split", o->split, "Split to take graphs from")->capture_default_str();
  cmd->add_option("--max-graphs", o->max_graphs, "Graphs timed (0 = all)")->capture_default_str();
  cmd->add_option("--runs", o->runs, "Timed passes over the graphs")->capture_default_str();
  cmd->add_option("--warmup", o->warmup, "Untimed passes first")->capture_default_str();
  cmd->add_option("--threads", o->threads, "Threads of every backend")->capture_default_str();
  cmd->add_option("--onnx-runner", o->onnx_runner, "ONNX Runtime script (node, npm onnxruntime-node beside it)")
      ->capture_default_str();
  cmd->add_option("--backend", o->backend,
                  "all, libtorch, runtime or onnxruntime (one backend per process gives clean peak-memory figures)")
      ->capture_default_str();
  cmd->add_flag("--json", o->json, "One JSON object on stdout");
  cmd->callback([o] { run(*o); });
}

}  // namespace efgnn::cli
