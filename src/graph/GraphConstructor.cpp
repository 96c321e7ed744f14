#include "graph/GraphConstructor.hpp"

#include <algorithm>
#include <unordered_map>

#include "core/Error.hpp"
#include "graph/ModuleMap.hpp"

namespace efgnn {
Event applyHardCut(const Event& event, double min_pt) {
  Event out;
  out.event_id = event.event_id;
  std::unordered_map<std::uint64_t, const Particle*> particles;
  for (const auto& p : event.particles) particles[p.particle_id] = &p;
  for (std::size_t i = 0; i < event.hits.size(); ++i) {
    const auto it = event.hasTruth() ? particles.find(event.truth[i].particle_id) : particles.end();
    if (it == particles.end() || it->second->pt() < min_pt) continue;
    out.hits.push_back(event.hits[i]);
    out.truth.push_back(event.truth[i]);
    if (event.hasCells()) out.cells.push_back(event.cells[i]);
  }
  for (const auto& p : event.particles)
    if (p.pt() >= min_pt) out.particles.push_back(p);
  return out;
}

GraphConstructor::GraphConstructor(const Detector& detector, std::shared_ptr<const EdgeBuilder> builder,
                                   Config config)
    : detector_(detector), builder_(std::move(builder)), config_(config) {
  for (const Module& m : detector_.modules) with_clusters_ = with_clusters_ || detector_.typeOf(m).isStereo();
}

Graph GraphConstructor::build(const Event& input, const std::string& source) const {
  if (config_.cell_features && !input.hits.empty() && !input.hasCells())
    throw Error(source + ": event " + std::to_string(input.event_id) +
                ": no cells, which the cell features need (a TrackML eventNNNNNNNNN-cells.csv[.gz] file, "
                "or cell_count and cell_charge columns)");
  const Event cut = config_.hard_cut_pt ? applyHardCut(input, *config_.hard_cut_pt) : Event{};
  const Event& event = config_.hard_cut_pt ? cut : input;
  const auto module = moduleIndices(event, detector_, source);
  const HitCoordinates coordinates(event);
  std::vector<HitPair> pairs = builder_->build({event, module, coordinates});
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());

  Graph g;
  g.event_id = event.event_id;
  const std::size_t n = event.hits.size(), e = pairs.size();
  std::vector<std::uint32_t> nodes(n);
  for (std::uint32_t i = 0; i < n; ++i) nodes[i] = i;  // every hit is a node, in hit order
  g.node_feature_names = nodeFeatureNames(with_clusters_, config_.cell_features);
  g.x = computeNodeFeatures(event, nodes, with_clusters_, config_.cell_features, config_.scales);
  g.hit_id.resize(n);
  g.node_particle.assign(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    g.hit_id[i] = event.hits[i].hit_id;
    if (event.hasTruth()) g.node_particle[i] = event.truth[i].particle_id;
  }
  g.edge_index.resize(2 * e);
  for (std::size_t k = 0; k < e; ++k) {
    g.edge_index[k] = pairs[k].first;
    g.edge_index[e + k] = pairs[k].second;
  }
  g.edge_feature_names = edgeFeatureNames();
  g.edge_attr = computeEdgeFeatures(g.x, g.numNodeFeatures(), g.edge_index);

  // Labels from the truth graph.
  std::unordered_map<std::uint64_t, const Particle*> particles;
  for (const auto& p : event.particles) particles[p.particle_id] = &p;
  const auto isTarget = [&](std::uint64_t pid) {
    const auto it = particles.find(pid);
    return it != particles.end() && config_.targets.isTarget(*it->second);
  };
  const std::vector<TruthEdge> truth = buildTruthEdges(event);
  std::unordered_map<std::uint64_t, std::uint64_t> true_pairs;  // pair -> particle
  true_pairs.reserve(truth.size());
  const std::size_t t = truth.size();
  g.truth_edge_index.resize(2 * t);
  g.truth_target.resize(t);
  g.truth_particle.resize(t);
  for (std::size_t k = 0; k < t; ++k) {
    g.truth_edge_index[k] = truth[k].from;
    g.truth_edge_index[t + k] = truth[k].to;
    g.truth_particle[k] = truth[k].particle_id;
    g.truth_target[k] = isTarget(truth[k].particle_id);
    true_pairs.emplace(undirectedPairKey(truth[k].from, truth[k].to), truth[k].particle_id);
  }
  g.y.assign(e, 0);
  g.y_target.assign(e, 0);
  g.edge_particle.assign(e, 0);
  g.edge_pt.assign(e, 0.f);
  g.edge_eta.assign(e, 0.f);
  for (std::size_t k = 0; k < e; ++k) {
    const auto it = true_pairs.find(undirectedPairKey(pairs[k].first, pairs[k].second));
    if (it == true_pairs.end()) continue;
    g.y[k] = 1;
    g.y_target[k] = isTarget(it->second);
    g.edge_particle[k] = it->second;
    if (const auto p = particles.find(it->second); p != particles.end()) {
      g.edge_pt[k] = static_cast<float>(p->second->pt());
      g.edge_eta[k] = static_cast<float>(p->second->eta());
    }
  }
  for (const auto& p : event.particles) {
    if (p.nhits <= 0 || p.charge == 0) continue;
    g.particles.push_back({p.particle_id, static_cast<float>(p.pt()), static_cast<float>(p.eta()),
                           p.nhits, config_.targets.isTarget(p)});
  }
  return g;
}

}  // namespace efgnn
