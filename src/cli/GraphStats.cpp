// `efgnn graph-stats`: how good are the graphs of a data set.
#include <cstdio>

#include "cli/Commands.hpp"
#include "core/Parallel.hpp"
#include "graph/GraphDataset.hpp"
#include "graph/GraphStatistics.hpp"

namespace efgnn::cli {

void addGraphStatsCommand(CLI::App& app) {
  struct Options {
    std::string graphs, split = "all";
    int threads = 0;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("graph-stats", "Graph size, efficiency and purity of a graph data set");
  cmd->add_option("--graphs", o->graphs, "Graph directory (efgnn build-graphs)")->required();
  cmd->add_option("--split", o->split, "train, val, test or all")->capture_default_str();
  cmd->add_option("--threads", o->threads, "Worker threads (0 = all cores)")->capture_default_str();
  cmd->add_flag("--json", o->json, "One JSON object on stdout");
  cmd->callback([o] {
    const GraphDataset data(o->graphs);
    const auto ids = data.ids(o->split);
    // One accumulator per graph, merged in order: sums of counts, so the same on any threads.
    std::vector<GraphStatistics> per_graph(ids.size());
    parallelFor(ids.size(), o->threads, [&](std::size_t i) { per_graph[i].add(data.read(ids[i])); });
    GraphStatistics s;
    for (const auto& g : per_graph) s.merge(g);
    if (o->json) {
      Json j = s.json();
      j["graphs"] = o->graphs;
      j["split"] = o->split;
      j["builder"] = data.manifest().builder;
      printJson(j);
      return;
    }
    const double n = s.events > 0 ? s.events : 1;
    std::printf("%s (%s, split %s): %.0f graphs\n", o->graphs.c_str(), data.manifest().builder.c_str(),
                o->split.c_str(), s.events);
    std::printf("  nodes/event %.0f, edges/event %.0f, edges/node %.2f\n", s.nodes / n, s.edges / n, s.edgesPerNode());
    std::printf("  graph efficiency (target edges) %.4f, purity %.4f, target purity %.4f\n", s.efficiency(),
                s.purity(), s.targetPurity());
    std::printf("  target particles fully connected %.4f (%.0f per event)\n", s.connectedFraction(),
                s.target_particles / n);
    std::printf("  efficiency vs pT:");
    for (std::size_t b = 0; b < s.efficiency_vs_pt.total.size(); ++b)
      if (s.efficiency_vs_pt.total[b] > 0)
        std::printf(" [%g,%g) %.4f", s.efficiency_vs_pt.edges[b], s.efficiency_vs_pt.edges[b + 1],
                    s.efficiency_vs_pt.passed[b] / s.efficiency_vs_pt.total[b]);
    std::printf("\n  efficiency vs eta:");
    for (std::size_t b = 0; b < s.efficiency_vs_eta.total.size(); ++b)
      if (s.efficiency_vs_eta.total[b] > 0)
        std::printf(" [%g,%g) %.4f", s.efficiency_vs_eta.edges[b], s.efficiency_vs_eta.edges[b + 1],
                    s.efficiency_vs_eta.passed[b] / s.efficiency_vs_eta.total[b]);
    std::printf("\n");
  });
}

}  // namespace efgnn::cli
