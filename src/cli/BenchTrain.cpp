// `efgnn bench-train`: seconds per training step and peak memory on one graph.
#include <algorithm>
#include <chrono>
#include <cstdio>

#include "cli/Commands.hpp"
#include "core/Allocator.hpp"
#include "core/Error.hpp"
#include "core/PeakMemory.hpp"
#include "io/GraphStoreH5.hpp"
#include "model/EdgeClassifierModel.hpp"
#include "model/ModelExport.hpp"
#include "model/TorchThreads.hpp"
#include "ops/TrainingKernels.hpp"
#include "runtime/EdgeClassifier.hpp"
#include "train/GraphTensors.hpp"

namespace efgnn::cli {

void addBenchTrainCommand(CLI::App& app) {
  struct Options {
    std::string graph, config;
    std::vector<std::string> sets;
    int steps = 10, warmup = 2, threads = 0;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("bench-train", "Time training steps (forward, backward, AdamW) on one graph");
  cmd->add_option("--graph", o->graph, "A graph file (efgnn build-graphs)")->required();
  cmd->add_option("--config", o->config, "Training YAML (default: reference model)");
  cmd->add_option("--set", o->sets, "Override a key: key=value (repeatable)");
  cmd->add_option("--steps", o->steps, "Timed steps")->capture_default_str();
  cmd->add_option("--warmup", o->warmup, "Untimed steps first")->capture_default_str();
  cmd->add_option("--threads", o->threads, "Threads (0 = all cores)")->capture_default_str();
  cmd->add_flag("--json", o->json, "One JSON object on stdout");
  cmd->callback([o] {
    TrainConfig config = o->config.empty() ? TrainConfig{} : TrainConfig::fromFile(o->config);
    for (const auto& s : o->sets) config.set(s);
    configureTorchThreads(o->threads);
    setTrainingKernels(trainingKernelsNamed(config.kernels));
    const Graph graph = readGraphH5(o->graph);
    // One step per graph, or per sector with eta_sectors / phi_sectors: a "step" below is then a
    // pass over the sectors.
    const std::vector<GraphTensors> parts = trainingGraphsOf(graph, config, torch::kCPU, o->graph);
    torch::manual_seed(config.seed);
    auto model = makeModel(config.model);
    torch::optim::AdamW optimizer(model->parameters(), torch::optim::AdamWOptions(config.lr)
                                                           .weight_decay(config.weight_decay)
                                                           .amsgrad(config.amsgrad));
    std::vector<double> seconds;
    for (int step = 0; step < o->warmup + o->steps; ++step) {
      const auto start = std::chrono::steady_clock::now();
      for (const auto& g : parts) {
        optimizer.zero_grad();
        const auto loss = edgeLoss(model->forward(g.x, g.edge_index, g.edge_attr), g);
        loss.backward();
        optimizer.step();
      }
      if (step >= o->warmup)
        seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    if (seconds.empty()) throw Error("--steps must be at least 1");
    std::sort(seconds.begin(), seconds.end());
    const double median = seconds[seconds.size() / 2];
    const double peak_mb = processStatusMiB("VmHWM");  // before the probes below allocate anything
    // A step's arithmetic: the forward pass's multiply-adds, and twice as many backward (the
    // gradients of each layer's input and of its weights); recomputation is not counted.
    const double step_macs = 3 * runtime::EdgeClassifier(toModelFile(*model), o->graph, {})
                                     .multiplyAdds(static_cast<std::size_t>(graph.numNodes()),
                                                   static_cast<std::size_t>(graph.numEdges()));
    const double sgemm = sgemmMultiplyAddsPerSecond(at::get_num_threads());
    if (o->json) {
      Json j = Json::object();
      j["implementation"] = "efgnn";
      j["nodes"] = graph.numNodes();
      j["edges"] = graph.numEdges();
      j["parameters"] = parameterCount(*model);
      j["threads"] = at::get_num_threads();
      j["step_seconds_median"] = median;
      j["step_seconds_min"] = seconds.front();
      j["step_seconds_max"] = seconds.back();
      j["peak_rss_mb"] = peak_mb;
      j["step_multiply_adds"] = step_macs;
      j["multiply_adds_per_second"] = step_macs / median;
      j["sgemm_multiply_adds_per_second"] = sgemm;
      j["fraction_of_sgemm"] = step_macs / median / sgemm;
      j["allocator"] = allocatorSettings().how;
      j["kernels"] = config.kernels;
      j["checkpointing"] = config.model.checkpointing;
      j["sectors"] = parts.size();
      printJson(j);
      return;
    }
    std::printf("%zu nodes, %zu edges, %lld parameters, %d threads, kernels %s%s: %.3f s per step (median of %zu; "
                "%.3f-%.3f), %.1f G multiply-adds/s (%.0f %% of SGEMM's %.1f G/s), peak RSS %.0f MB; allocator: %s\n",
                graph.numNodes(), graph.numEdges(), static_cast<long long>(parameterCount(*model)),
                at::get_num_threads(), config.kernels.c_str(), config.model.checkpointing ? ", checkpointing" : "",
                median, seconds.size(), seconds.front(), seconds.back(), step_macs / median * 1e-9,
                100 * step_macs / median / sgemm, sgemm * 1e-9, peak_mb, allocatorSettings().how);
  });
}

}  // namespace efgnn::cli
