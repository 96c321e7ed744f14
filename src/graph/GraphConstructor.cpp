#include "graph/GraphConstructor.hpp"

#include <algorithm>
#include <utility>
#include <unordered_map>

#include "core/Error.hpp"
#include "graph/ModuleMap.hpp"

namespace efgnn {
namespace {

/// Sorts hit pairs as std::sort would, faster: a radix sort, 11 bits of the second hit at a
/// time, then of the first.
void sortPairs(std::vector<HitPair>& pairs) {
  if (pairs.size() < 2) return;
  std::uint32_t largest = 0;
  for (const auto& p : pairs) largest = std::max({largest, p.first, p.second});
  int bits = 0;
  while (bits < 32 && (std::uint64_t(1) << bits) <= largest) ++bits;
  std::vector<HitPair> buffer(pairs.size());
  std::vector<std::uint32_t> count(1 << 11);
  for (const bool first : {false, true})
    for (int shift = 0; shift < bits; shift += 11) {
      const auto digit = [&](const HitPair& p) { return ((first ? p.first : p.second) >> shift) & 0x7ff; };
      std::fill(count.begin(), count.end(), 0);
      for (const auto& p : pairs) ++count[digit(p)];
      std::uint32_t sum = 0;
      for (auto& c : count) sum += std::exchange(c, sum);
      for (const auto& p : pairs) buffer[count[digit(p)]++] = p;
      pairs.swap(buffer);
    }
}

/// The labels of a graph of an event without truth: every edge fake, no truth edges or particles.
void clearLabels(Graph& g) {
  const std::size_t e = g.numEdges();
  g.node_particle.assign(g.numNodes(), 0);
  g.y.assign(e, 0);
  g.y_target.assign(e, 0);
  g.edge_particle.assign(e, 0);
  g.edge_pt.assign(e, 0.f);
  g.edge_eta.assign(e, 0.f);
  g.truth_edge_index.clear();
  g.truth_target.clear();
  g.truth_particle.clear();
  g.particles.clear();
}

}  // namespace

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
  if (!std::is_sorted(pairs.begin(), pairs.end())) sortPairs(pairs);  // the module-map builder sorts its own
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());

  Graph g;
  g.event_id = event.event_id;
  const std::size_t n = event.hits.size(), e = pairs.size();
  std::vector<std::uint32_t> nodes(n);
  for (std::uint32_t i = 0; i < n; ++i) nodes[i] = i;  // every hit is a node, in hit order
  g.node_feature_names = nodeFeatureNames(with_clusters_, config_.cell_features);
  g.x = computeNodeFeatures(event, coordinates, nodes, with_clusters_, config_.cell_features, config_.scales);
  g.hit_id.resize(n);
  for (std::size_t i = 0; i < n; ++i) g.hit_id[i] = event.hits[i].hit_id;
  g.edge_index.resize(2 * e);
  for (std::size_t k = 0; k < e; ++k) {
    g.edge_index[k] = pairs[k].first;
    g.edge_index[e + k] = pairs[k].second;
  }
  g.edge_feature_names = edgeFeatureNames();
  g.edge_attr = computeEdgeFeatures(g.x, g.numNodeFeatures(), g.edge_index);

  if (config_.labels) {
    labelGraph(g, event);
  } else {
    clearLabels(g);
  }
  return g;
}

void GraphConstructor::addLabels(Graph& g, const Event& input) const {
  const Event cut = config_.hard_cut_pt ? applyHardCut(input, *config_.hard_cut_pt) : Event{};
  labelGraph(g, config_.hard_cut_pt ? cut : input);
}

void GraphConstructor::labelGraph(Graph& g, const Event& event) const {
  const std::size_t n = g.numNodes(), e = g.numEdges();
  if (event.hits.size() != n)
    throw Error("graph labels: the event has " + std::to_string(event.hits.size()) + " hits, the graph " +
                std::to_string(n) + " nodes (not the event the graph was built from)");
  clearLabels(g);
  if (event.hasTruth())
    for (std::size_t i = 0; i < n; ++i) g.node_particle[i] = event.truth[i].particle_id;
  // Labels from the truth graph. Particles by id (the last of equal ids, as a map assignment
  // keeps), each one's target flag computed once.
  std::vector<std::pair<std::uint64_t, const Particle*>> particles;
  particles.reserve(event.particles.size());
  for (const auto& p : event.particles) particles.emplace_back(p.particle_id, &p);
  const auto by_id = [](const auto& a, const auto& b) { return a.first < b.first; };
  if (!std::is_sorted(particles.begin(), particles.end(), by_id))
    std::stable_sort(particles.begin(), particles.end(), by_id);
  {
    std::size_t out = 0;
    for (std::size_t i = 0; i < particles.size(); ++i)
      if (i + 1 == particles.size() || particles[i + 1].first != particles[i].first) particles[out++] = particles[i];
    particles.resize(out);
  }
  const auto find = [&](std::uint64_t pid) -> const Particle* {
    const auto it = std::lower_bound(particles.begin(), particles.end(), pid,
                                     [](const auto& p, std::uint64_t id) { return p.first < id; });
    return it != particles.end() && it->first == pid ? it->second : nullptr;
  };
  const std::vector<TruthEdge> truth = buildTruthEdges(event);
  const std::size_t t = truth.size();
  g.truth_edge_index.resize(2 * t);
  g.truth_target.resize(t);
  g.truth_particle.resize(t);
  std::vector<const Particle*> truth_particle(t);  // null if the particle list lacks it
  for (std::size_t k = 0; k < t; ++k) {
    g.truth_edge_index[k] = truth[k].from;
    g.truth_edge_index[t + k] = truth[k].to;
    g.truth_particle[k] = truth[k].particle_id;
    // Truth edges come by particle: one search per particle.
    if (k > 0 && truth[k].particle_id == truth[k - 1].particle_id) {
      truth_particle[k] = truth_particle[k - 1];
      g.truth_target[k] = g.truth_target[k - 1];
    } else {
      truth_particle[k] = find(truth[k].particle_id);
      g.truth_target[k] = truth_particle[k] && config_.targets.isTarget(*truth_particle[k]);
    }
  }
  // The true edges at each hit, as (other hit, truth edge) under the lower hit index, in truth
  // order: an edge is true if its unordered pair is, labelled by the first such truth edge.
  std::vector<std::uint32_t> truth_offsets(n + 1, 0);
  std::vector<std::pair<std::uint32_t, std::uint32_t>> truth_at(t);
  for (const auto& te : truth) ++truth_offsets[std::min(te.from, te.to) + 1];
  for (std::size_t h = 0; h < n; ++h) truth_offsets[h + 1] += truth_offsets[h];
  {
    std::vector<std::uint32_t> fill(truth_offsets.begin(), truth_offsets.end() - 1);
    for (std::uint32_t k = 0; k < t; ++k)
      truth_at[fill[std::min(truth[k].from, truth[k].to)]++] = {std::max(truth[k].from, truth[k].to), k};
  }
  for (std::size_t k = 0; k < e; ++k) {
    const std::uint32_t a = g.edge_index[k], b = g.edge_index[e + k];
    const std::uint32_t lo = std::min(a, b), hi = std::max(a, b);
    const auto* const begin = truth_at.data() + truth_offsets[lo];
    const auto* const end = truth_at.data() + truth_offsets[lo + 1];
    const auto it = std::find_if(begin, end, [hi](const auto& a) { return a.first == hi; });
    if (it == end) continue;
    const std::uint32_t te = it->second;
    g.y[k] = 1;
    g.y_target[k] = g.truth_target[te];
    g.edge_particle[k] = truth[te].particle_id;
    if (const Particle* p = truth_particle[te]) {
      g.edge_pt[k] = static_cast<float>(p->pt());
      g.edge_eta[k] = static_cast<float>(p->eta());
    }
  }
  for (const auto& p : event.particles) {
    if (p.nhits <= 0 || p.charge == 0) continue;
    g.particles.push_back({p.particle_id, static_cast<float>(p.pt()), static_cast<float>(p.eta()),
                           p.nhits, config_.targets.isTarget(p)});
  }
}

}  // namespace efgnn
