#include "graph/ModuleMap.hpp"

#include <algorithm>
#include <cmath>
#include <tuple>

#include "core/Error.hpp"
#include "core/Pdg.hpp"
#include "core/Random.hpp"
#include "core/Units.hpp"
#include "graph/Features.hpp"
#include "graph/TruthGraph.hpp"

namespace efgnn {
namespace {

std::uint64_t doubletKey(std::uint32_t a, std::uint32_t b) { return (std::uint64_t(a) << 32) | b; }
std::uint64_t tripletKey(std::uint32_t a, std::uint32_t b, std::uint32_t c) {
  return (std::uint64_t(a) << 42) | (std::uint64_t(b) << 21) | c;
}
constexpr std::uint32_t kMaxModules = 1u << 21;

}  // namespace

void ModuleMap::checkDetector(const Detector& det, const std::string& source) const {
  bool same = det.modules.size() == modules.size() && det.config.name == detector;
  for (std::size_t i = 0; same && i < modules.size(); ++i) {
    const Module& m = det.modules[i];
    same = modules[i] == std::array<std::int32_t, 3>{m.volume_id, m.layer_id, m.module_id};
  }
  if (!same)
    throw Error(source + ": module map was built for detector '" + detector + "' (" +
                std::to_string(modules.size()) + " modules), not for '" + det.config.name +
                "' (" + std::to_string(det.modules.size()) + " modules)");
}

namespace {
constexpr std::uint64_t kEmpty = ~std::uint64_t(0);
std::size_t slotOf(std::uint64_t key, std::size_t mask) {
  std::uint64_t s = key;
  return static_cast<std::size_t>(splitmix64(s)) & mask;
}
}  // namespace

void ModuleMap::index() {
  std::size_t capacity = 16;
  while (capacity < 2 * triplets.size()) capacity *= 2;  // load factor <= 1/2
  triplet_table_.assign(capacity, {kEmpty, 0});
  for (std::uint32_t i = 0; i < triplets.size(); ++i) {
    const auto key = tripletKey(triplets[i].a, triplets[i].b, triplets[i].c);
    std::size_t slot = slotOf(key, capacity - 1);
    while (triplet_table_[slot].first != kEmpty) slot = (slot + 1) & (capacity - 1);
    triplet_table_[slot] = {key, i};
  }
}

const ModuleMap::Triplet* ModuleMap::findTriplet(std::uint32_t a, std::uint32_t b,
                                                 std::uint32_t c) const {
  if (triplet_table_.empty()) return nullptr;
  const auto key = tripletKey(a, b, c);
  const std::size_t mask = triplet_table_.size() - 1;
  for (std::size_t slot = slotOf(key, mask);; slot = (slot + 1) & mask) {
    if (triplet_table_[slot].first == key) return &triplets[triplet_table_[slot].second];
    if (triplet_table_[slot].first == kEmpty) return nullptr;
  }
}

std::vector<std::uint32_t> moduleIndices(const Event& event, const Detector& detector,
                                         const std::string& source) {
  std::vector<std::uint32_t> out(event.hits.size());
  for (std::size_t i = 0; i < event.hits.size(); ++i) {
    const auto& h = event.hits[i];
    if (i > 0) {  // hits usually come sorted by module: one lookup per module
      const auto& p = event.hits[i - 1];
      if (h.module_id == p.module_id && h.layer_id == p.layer_id && h.volume_id == p.volume_id) {
        out[i] = out[i - 1];
        continue;
      }
    }
    const auto m = detector.find(h.volume_id, h.layer_id, h.module_id);
    if (!m) detector.checkModules(event, source);  // throws with the full description
    out[i] = *m;
  }
  return out;
}

ModuleMapBuilder::ModuleMapBuilder(const Detector& detector, ModuleMap::Config config)
    : detector_(detector), config_(config) {
  if (detector.modules.size() >= kMaxModules)
    throw Error("module map: detector '" + detector.config.name + "' has too many modules");
}

void ModuleMapBuilder::add(const Event& event, const std::string& source) {
  // Without truth the event teaches nothing; skipping it silently gave an empty map (0
  // doublets) and exit status 0.
  if (!event.hasTruth())
    throw Error(source + ": event " + std::to_string(event.event_id) +
                " has no truth (hit-to-particle); a module map is learned from events with truth");
  ++events_;
  const auto module = moduleIndices(event, detector_, source);
  const HitCoordinates c(event);
  std::unordered_map<std::uint64_t, const Particle*> particles;
  for (const auto& p : event.particles) particles[p.particle_id] = &p;
  for (const ParticleTrack& t : particleTracks(event)) {
    const auto it = particles.find(t.particle_id);
    if (it == particles.end()) continue;
    const Particle& p = *it->second;
    if (p.pt() < config_.min_pt || static_cast<int>(t.hits.size()) < config_.min_hits) continue;
    if (config_.no_electrons && std::abs(p.pdg) == pdg::kElectron) continue;
    const auto doublet = [&](std::uint32_t i, std::uint32_t j) {
      return DoubletGeometry::of(c.r[i], c.phi[i], c.z[i], c.eta[i], c.r[j], c.phi[j], c.z[j], c.eta[j]);
    };
    const auto group = [&](std::size_t g) {
      return std::pair{t.group_start[g], t.group_start[g + 1]};
    };
    for (std::size_t g = 0; g + 1 < t.numGroups(); ++g) {
      const auto [a0, a1] = group(g);
      const auto [b0, b1] = group(g + 1);
      for (auto ia = a0; ia < a1; ++ia)
        for (auto ib = b0; ib < b1; ++ib) {
          const auto i = t.hits[ia], j = t.hits[ib];
          auto& d = doublets_[doubletKey(module[i], module[j])];
          d.a = module[i];
          d.b = module[j];
          ++d.count;
          const auto q = doublet(i, j);
          d.z0.add(q.z0);
          d.dphi.add(q.dphi);
          d.phi_slope.add(q.phi_slope);
          d.deta.add(q.deta);
        }
      if (g + 2 >= t.numGroups()) continue;
      const auto [c0, c1] = group(g + 2);
      for (auto ia = a0; ia < a1; ++ia)
        for (auto ib = b0; ib < b1; ++ib)
          for (auto ic = c0; ic < c1; ++ic) {
            const auto i = t.hits[ia], j = t.hits[ib], k = t.hits[ic];
            auto& tr = triplets_[tripletKey(module[i], module[j], module[k])];
            tr.a = module[i];
            tr.b = module[j];
            tr.c = module[k];
            ++tr.count;
            const auto q = TripletGeometry::of(doublet(i, j), doublet(j, k));
            tr.diff_dzdr.add(q.diff_dzdr);
            tr.diff_phi_slope.add(q.diff_phi_slope);
          }
    }
  }
}

void ModuleMapBuilder::merge(const ModuleMapBuilder& o) {
  events_ += o.events_;
  for (const auto& [key, d] : o.doublets_)
    if (auto [it, fresh] = doublets_.try_emplace(key, d); !fresh) it->second.merge(d);
  for (const auto& [key, t] : o.triplets_)
    if (auto [it, fresh] = triplets_.try_emplace(key, t); !fresh) it->second.merge(t);
}

ModuleMap ModuleMapBuilder::finish() const {
  ModuleMap map;
  map.config = config_;
  map.detector = detector_.config.name;
  for (const Module& m : detector_.modules) map.modules.push_back({m.volume_id, m.layer_id, m.module_id});
  map.events = events_;
  for (const auto& [key, d] : doublets_) map.doublets.push_back(d);
  for (const auto& [key, t] : triplets_) map.triplets.push_back(t);
  std::sort(map.doublets.begin(), map.doublets.end(),
            [](const auto& x, const auto& y) { return std::tie(x.a, x.b) < std::tie(y.a, y.b); });
  std::sort(map.triplets.begin(), map.triplets.end(), [](const auto& x, const auto& y) {
    return std::tie(x.a, x.b, x.c) < std::tie(y.a, y.b, y.c);
  });
  map.index();
  return map;
}

}  // namespace efgnn
