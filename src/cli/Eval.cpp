// `efgnn eval`: edge metrics of a trained model on a split of a graph data set.
#include <cstdio>
#include <filesystem>
#include <optional>

#include "cli/Commands.hpp"
#include "core/Error.hpp"
#include "core/OutputDirectory.hpp"
#include "core/Parallel.hpp"
#include "graph/GraphDataset.hpp"
#include "io/H5File.hpp"
#include "model/CopyWeights.hpp"
#include "model/TorchThreads.hpp"
#include "train/Checkpoint.hpp"
#include "train/Evaluation.hpp"
#include "train/TrainConfig.hpp"

namespace efgnn::cli {
namespace {

/// Per-edge scores of one graph, beside its labels, for plots and track building.
void writeScores(const std::filesystem::path& file, const GraphTensors& g, const torch::Tensor& scores) {
  const auto cpu = [](const torch::Tensor& t, torch::ScalarType type) {
    return t.detach().to(torch::kCPU, type).contiguous();
  };
  const auto s = cpu(scores, torch::kFloat32), y = cpu(g.y, torch::kFloat32), t = cpu(g.y_target, torch::kFloat32);
  const auto n = static_cast<std::size_t>(s.numel());
  std::vector<float> score(s.data_ptr<float>(), s.data_ptr<float>() + n);
  std::vector<std::uint8_t> truth(n), target(n);
  for (std::size_t i = 0; i < n; ++i) {
    truth[i] = y.data_ptr<float>()[i] > 0.5f;
    target[i] = t.data_ptr<float>()[i] > 0.5f;
  }
  const auto lock = h5::lockHdf5();
  h5::NewFile out(file);
  h5::writeFormat(out.root(), "efgnn-edge-scores", 1);
  out.root().writeAttribute("event_id", static_cast<std::uint64_t>(g.event_id));
  out.root().writeDataset("score", score);
  out.root().writeDataset("y", truth);
  out.root().writeDataset("y_target", target);
  out.commit();
}

}  // namespace

void addEvalCommand(CLI::App& app) {
  struct Options {
    std::string model, graphs, split = "test", out, device = "cpu", reference;
    double cut = 0.5, reference_cut = 0.5;
    int threads = 0;
    bool force = false, json = false, as_float = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("eval", "Edge metrics of a trained model on a graph data set");
  cmd->add_option("--model", o->model, "Checkpoint (RUNDIR/best.pt or last.pt)")->required();
  cmd->add_option("--graphs", o->graphs, "Graph data set")->required();
  cmd->add_option("--split", o->split, "train, val, test or all")->capture_default_str();
  cmd->add_option("--cut", o->cut, "Edge score cut")->capture_default_str();
  cmd->add_option("--out", o->out, "Write per-edge scores here (one HDF5 file per event)");
  cmd->add_option("--device", o->device, "cpu or cuda")->capture_default_str();
  cmd->add_option("--threads", o->threads, "Threads (0 = all cores)")->capture_default_str();
  cmd->add_flag("--force", o->force, "Replace the scores an earlier eval wrote in --out (nothing else there)");
  cmd->add_flag("--float", o->as_float,
                "Quantization off: a quantized model's float weights (pruning masks kept), to see what its "
                "bit widths cost");
  cmd->add_option("--reference", o->reference,
                  "Another model (e.g. the float one) scored on the same graphs: the figures beside it and the cut "
                  "at which this model comes closest to them");
  cmd->add_option("--reference-cut", o->reference_cut, "The reference model's edge score cut")->capture_default_str();
  cmd->add_flag("--json", o->json, "One JSON object on stdout");
  cmd->callback([o] {
    configureTorchThreads(o->threads);
    const torch::Device device = parseDevice(o->device);
    LoadedCheckpoint ckpt = loadCheckpoint(o->model, device);
    if (o->as_float) {
      ckpt.config.model.quant = {};
      auto float_model = makeModel(ckpt.config.model);
      float_model->to(device);
      copyWeights(*float_model, *ckpt.model, o->model);
      ckpt.model = std::move(float_model);
    }
    ckpt.model->eval();
    const GraphDataset data(o->graphs);
    const auto ids = data.ids(o->split);
    if (ids.empty()) throw Error(o->graphs + ": split '" + o->split + "' is empty");
    std::optional<OutputDirectory> out_dir;
    if (!o->out.empty()) {
      out_dir.emplace(o->out, "eval");
      out_dir->claim(o->force, "scores");
      out_dir->removeRecorded();
      std::vector<std::string> outputs;
      for (const auto id : ids) outputs.push_back(graphFileName(id));
      out_dir->record(outputs);
    }
    std::optional<LoadedCheckpoint> reference;
    if (!o->reference.empty()) {
      reference = loadCheckpoint(o->reference, device);
      reference->model->eval();
    }
    EdgeMetrics metrics(o->cut), reference_metrics(o->reference_cut);
    for (const auto id : ids) {
      const Graph graph = data.read(id);
      const std::string file = data.fileOf(id).string();
      const GraphTensors g = GraphTensors::from(graph, ckpt.config, device, file);
      const auto scores = scoreGraph(*ckpt.model, g);
      metrics.add(scores, g);
      if (out_dir) writeScores(std::filesystem::path(o->out) / graphFileName(id), g, scores);
      if (reference)
        reference_metrics.add(scoreGraph(*reference->model, GraphTensors::from(graph, reference->config, device, file)),
                              g);
    }
    const WorkingPoint closest =
        reference ? metrics.closestWorkingPoint(reference_metrics.efficiency(), reference_metrics.totalPurity())
                  : WorkingPoint{};
    if (o->json) {
      Json j = metrics.json();
      j["model"] = o->model;
      j["graphs"] = o->graphs;
      j["split"] = o->split;
      j["events"] = ids.size();
      j["quantization"] = ckpt.config.model.quant.label();
      if (reference) {
        Json r = Json::object();
        r["model"] = o->reference;
        r["edge_cut"] = o->reference_cut;
        r["edgewise_efficiency"] = reference_metrics.efficiency();
        r["total_purity"] = reference_metrics.totalPurity();
        r["auc"] = reference_metrics.auc();
        Json c = Json::object();
        c["cut"] = closest.cut;
        c["edgewise_efficiency"] = closest.efficiency;
        c["total_purity"] = closest.total_purity;
        r["closest_working_point"] = c;
        j["reference"] = r;
      }
      printJson(j);
      return;
    }
    std::printf("%s on %s (%s, %zu events, cut %.2f, %s):\n", o->model.c_str(), o->graphs.c_str(), o->split.c_str(),
                ids.size(), o->cut, ckpt.config.model.quant.label().c_str());
    std::printf("  edgewise efficiency %.4f  total purity %.4f  target purity %.4f  masked purity %.4f  AUC %.4f\n",
                metrics.efficiency(), metrics.totalPurity(), metrics.targetPurity(), metrics.maskedPurity(),
                metrics.auc());
    if (!reference) return;
    const auto points = [](double a, double b) { return 100 * (a - b); };
    std::printf(
        "  reference %s (cut %.2f): edgewise efficiency %.4f  total purity %.4f  (this model %+.2f / %+.2f "
        "points)\n",
        o->reference.c_str(), o->reference_cut, reference_metrics.efficiency(), reference_metrics.totalPurity(),
        points(metrics.efficiency(), reference_metrics.efficiency()),
        points(metrics.totalPurity(), reference_metrics.totalPurity()));
    std::printf("  closest to it at cut %.2f: edgewise efficiency %.4f  total purity %.4f  (%+.2f / %+.2f points)\n",
                closest.cut, closest.efficiency, closest.total_purity,
                points(closest.efficiency, reference_metrics.efficiency()),
                points(closest.total_purity, reference_metrics.totalPurity()));
  });
}

}  // namespace efgnn::cli
