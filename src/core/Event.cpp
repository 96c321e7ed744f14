#include "core/Event.hpp"

#include <cstdio>
#include <unordered_set>

#include "core/Error.hpp"

namespace efgnn {

const char* processName(Process p) {
  switch (p) {
    case Process::Generator: return "generator";
    case Process::Decay: return "decay";
    case Process::PhotonConversion: return "conversion";
    case Process::HadronicInteraction: return "hadronic";
  }
  return "unknown";
}

std::size_t Event::noiseHits() const {
  std::size_t n = 0;
  for (const auto& t : truth) n += t.particle_id == 0;
  return n;
}

void Event::validate(const std::string& source) const {
  const auto fail = [&](const std::string& what) {
    return Error(source + ": event " + std::to_string(event_id) + ": " + what);
  };
  if (!truth.empty() && truth.size() != hits.size())
    throw fail("truth has " + std::to_string(truth.size()) + " entries for " +
               std::to_string(hits.size()) + " hits");
  if (!cells.empty() && cells.size() != hits.size())
    throw fail("cells has " + std::to_string(cells.size()) + " entries for " +
               std::to_string(hits.size()) + " hits");
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (!std::isfinite(cells[i].charge))
      throw fail("hit " + std::to_string(hits[i].hit_id) + " has a non-finite cell charge");
    if (cells[i].count == 0 && cells[i].charge != 0)
      throw fail("hit " + std::to_string(hits[i].hit_id) + " has a cell charge but no cells");
  }
  std::unordered_set<std::uint64_t> ids;
  ids.reserve(hits.size());
  for (const auto& h : hits) {
    if (!std::isfinite(h.x) || !std::isfinite(h.y) || !std::isfinite(h.z))
      throw fail("hit " + std::to_string(h.hit_id) + " has a non-finite position");
    if (!ids.insert(h.hit_id).second) throw fail("duplicate hit_id " + std::to_string(h.hit_id));
  }
  for (const auto& h : hits)
    if (h.clusters)
      for (const auto& c : *h.clusters)
        for (const float v : c)
          if (!std::isfinite(v)) throw fail("hit " + std::to_string(h.hit_id) + " has a non-finite cluster position");
  for (std::size_t i = 0; i < truth.size(); ++i) {
    const auto& t = truth[i];
    for (const float v : {t.tx, t.ty, t.tz, t.tpx, t.tpy, t.tpz, t.weight})
      if (!std::isfinite(v))
        throw fail("truth of hit " + std::to_string(hits[i].hit_id) + " has a non-finite position, momentum or weight");
  }
  std::unordered_set<std::uint64_t> pids;
  pids.reserve(particles.size());
  for (const auto& p : particles) {
    if (p.particle_id == 0) throw fail("particle_id 0 is reserved for noise");
    // The CSV reader rejects them; they would reach the graphs as NaN pT.
    for (const double v : {p.vertex.x, p.vertex.y, p.vertex.z})
      if (!std::isfinite(v)) throw fail("particle " + std::to_string(p.particle_id) + " has a non-finite vertex");
    for (const double v : {p.momentum.x, p.momentum.y, p.momentum.z})
      if (!std::isfinite(v)) throw fail("particle " + std::to_string(p.particle_id) + " has a non-finite momentum");
    if (!pids.insert(p.particle_id).second)
      throw fail("duplicate particle_id " + std::to_string(p.particle_id));
  }
  if (!particles.empty())
    for (std::size_t i = 0; i < truth.size(); ++i)
      if (truth[i].particle_id != 0 && !pids.count(truth[i].particle_id))
        throw fail("hit " + std::to_string(hits[i].hit_id) + " refers to unknown particle " +
                   std::to_string(truth[i].particle_id));
}

std::string eventStem(std::uint64_t event_id) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "event%09llu", static_cast<unsigned long long>(event_id));
  return buf;
}

}  // namespace efgnn
