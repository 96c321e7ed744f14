#include "geometry/Detector.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "core/Error.hpp"
#include "core/Event.hpp"
#include "core/Units.hpp"

namespace efgnn {
namespace {

constexpr double kTwoPi = 2 * units::pi;

std::optional<std::uint64_t> moduleKey(std::int32_t volume, std::int32_t layer,
                                       std::int32_t module) {
  constexpr std::int32_t kMax = 1 << 21;
  if (volume < 0 || layer < 0 || module < 0 || volume >= kMax || layer >= kMax || module >= kMax)
    return std::nullopt;
  return (std::uint64_t(volume) << 42) | (std::uint64_t(layer) << 21) | std::uint64_t(module);
}

/// Bounding box of a module in (phi, second coordinate) for the lookup grid.
struct Box {
  double phi_half, lo, hi;
};

Box boundingBox(const Module& m, const ModuleType& t) {
  if (m.kind == SurfaceKind::Cylinder)
    return {0.5 * t.width / m.position, m.centre - 0.5 * t.length, m.centre + 0.5 * t.length};
  const double inner = std::max(m.centre - 0.5 * t.length, 1e-3);
  const double outer = std::hypot(m.centre + 0.5 * t.length, 0.5 * t.width);
  return {std::atan2(0.5 * t.width, inner), inner, outer};
}

void buildLookup(Surface& s, const std::vector<Module>& modules,
                 const std::vector<ModuleType>& types, const std::vector<std::uint32_t>& ids) {
  // Bins about half a module in each direction keep the candidate lists at a few entries.
  double min_phi_width = kTwoPi, min_len = 1e30;
  for (auto id : ids) {
    const Box b = boundingBox(modules[id], types[modules[id].type_index]);
    min_phi_width = std::min(min_phi_width, 2 * b.phi_half);
    min_len = std::min(min_len, b.hi - b.lo);
  }
  s.n_phi_bins = std::clamp(static_cast<int>(std::ceil(2 * kTwoPi / min_phi_width)), 1, 4096);
  s.n_second_bins =
      std::clamp(static_cast<int>(std::ceil(2 * (s.max - s.min) / min_len)), 1, 4096);
  s.bins.assign(std::size_t(s.n_phi_bins) * s.n_second_bins, {});
  const double phi_bin = kTwoPi / s.n_phi_bins, second_bin = (s.max - s.min) / s.n_second_bins;
  for (auto id : ids) {
    const Module& m = modules[id];
    const Box b = boundingBox(m, types[m.type_index]);
    const int p0 = static_cast<int>(std::floor((m.phi - b.phi_half + units::pi) / phi_bin));
    const int p1 = static_cast<int>(std::floor((m.phi + b.phi_half + units::pi) / phi_bin));
    const int s0 = std::max(0, static_cast<int>(std::floor((b.lo - s.min) / second_bin)));
    const int s1 =
        std::min(s.n_second_bins - 1, static_cast<int>(std::floor((b.hi - s.min) / second_bin)));
    for (int p = p0; p <= p1; ++p) {
      const int pw = ((p % s.n_phi_bins) + s.n_phi_bins) % s.n_phi_bins;
      for (int q = s0; q <= s1; ++q) s.bins[std::size_t(pw) * s.n_second_bins + q].push_back(id);
    }
  }
}

}  // namespace

std::optional<std::uint32_t> Detector::find(std::int32_t volume, std::int32_t layer,
                                            std::int32_t module) const {
  const auto key = moduleKey(volume, layer, module);
  if (!key) return std::nullopt;
  const auto it = index_.find(*key);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

LocalPoint Detector::toLocal(const Module& m, double x, double y, double z) const {
  if (m.kind == SurfaceKind::Cylinder)
    return {m.position * units::wrapAngle(std::atan2(y, x) - m.phi), z - m.centre};
  const double c = std::cos(m.phi), s = std::sin(m.phi);
  return {-x * s + y * c, x * c + y * s - m.centre};
}

void Detector::toGlobal(const Module& m, const LocalPoint& p, double& x, double& y,
                        double& z) const {
  if (m.kind == SurfaceKind::Cylinder) {
    const double phi = m.phi + p.u / m.position;
    x = m.position * std::cos(phi);
    y = m.position * std::sin(phi);
    z = m.centre + p.v;
    return;
  }
  const double c = std::cos(m.phi), s = std::sin(m.phi);
  const double xr = m.centre + p.v, yr = p.u;
  x = xr * c - yr * s;
  y = xr * s + yr * c;
  z = m.position;
}

bool Detector::contains(const Module& m, const LocalPoint& p) const {
  const ModuleType& t = typeOf(m);
  return std::abs(p.u) <= 0.5 * t.width && std::abs(p.v) <= 0.5 * t.length;
}

void Detector::modulesAt(const Surface& s, double x, double y, double z,
                         std::vector<std::uint32_t>& out) const {
  out.clear();
  if (s.bins.empty()) return;
  const double second = s.kind == SurfaceKind::Cylinder ? z : std::hypot(x, y);
  if (second < s.min || second > s.max) return;
  const double phi = std::atan2(y, x);
  int p = static_cast<int>((phi + units::pi) / kTwoPi * s.n_phi_bins);
  p = std::clamp(p, 0, s.n_phi_bins - 1);
  int q = static_cast<int>((second - s.min) / (s.max - s.min) * s.n_second_bins);
  q = std::clamp(q, 0, s.n_second_bins - 1);
  for (auto id : s.bins[std::size_t(p) * s.n_second_bins + q]) {
    const Module& m = modules[id];
    if (contains(m, toLocal(m, x, y, z))) out.push_back(id);
  }
}

void Detector::checkModules(const Event& event, const std::string& source) const {
  for (const SpacePoint& h : event.hits)
    if (!find(h.volume_id, h.layer_id, h.module_id))
      throw Error(source + ": event " + std::to_string(event.event_id) + ": hit " +
                  std::to_string(h.hit_id) + " is on module (volume " + std::to_string(h.volume_id) +
                  ", layer " + std::to_string(h.layer_id) + ", module " +
                  std::to_string(h.module_id) + "), which detector '" + config.name +
                  "' does not have");
}

std::size_t Detector::numVolumes() const {
  std::set<std::int32_t> v;
  for (const auto& l : layers) v.insert(l.volume_id);
  return v.size();
}

Detector Detector::build(Config config, std::vector<ModuleType> types,
                         const std::vector<LayerSpec>& specs, std::vector<PassiveSurface> passive) {
  Detector det;
  det.config = std::move(config);
  det.module_types = std::move(types);
  det.passive = std::move(passive);

  std::vector<LayerSpec> sorted = specs;
  std::sort(sorted.begin(), sorted.end(), [](const LayerSpec& a, const LayerSpec& b) {
    return std::tie(a.volume_id, a.layer_id) < std::tie(b.volume_id, b.layer_id);
  });
  for (std::size_t i = 1; i < sorted.size(); ++i)
    if (sorted[i].volume_id == sorted[i - 1].volume_id &&
        sorted[i].layer_id == sorted[i - 1].layer_id)
      throw Error("detector '" + det.config.name + "': layer " +
                  std::to_string(sorted[i].layer_id) + " appears twice in volume " +
                  std::to_string(sorted[i].volume_id));

  for (const LayerSpec& spec : sorted) {
    if (spec.type_index >= det.module_types.size())
      throw Error("detector '" + det.config.name + "': unknown module type in volume " +
                  std::to_string(spec.volume_id));
    const ModuleType& t = det.module_types[spec.type_index];
    Layer layer;
    layer.volume_id = spec.volume_id;
    layer.layer_id = spec.layer_id;
    layer.kind = spec.kind;
    layer.position = spec.position;
    layer.first_module = static_cast<std::uint32_t>(det.modules.size());
    const auto layer_index = static_cast<std::uint32_t>(det.layers.size());
    auto add = [&](double position, double phi, double centre) {
      Module m;
      m.index = static_cast<std::uint32_t>(det.modules.size());
      m.volume_id = spec.volume_id;
      m.layer_id = spec.layer_id;
      m.module_id = static_cast<std::int32_t>(det.modules.size() - layer.first_module + 1);
      m.layer_index = layer_index;
      m.type_index = spec.type_index;
      m.kind = spec.kind;
      m.position = position;
      m.phi = phi;
      m.centre = centre;
      det.modules.push_back(m);
    };
    if (spec.kind == SurfaceKind::Cylinder) {
      const double step = spec.n_z > 1 ? (2 * spec.half_length - t.length) / (spec.n_z - 1) : 0;
      for (int j = 0; j < spec.n_z; ++j)
        for (int i = 0; i < spec.n_phi; ++i) {
          const double offset = ((i + j) % 2 ? 0.5 : -0.5) * spec.stagger;
          add(spec.position + offset, -units::pi + kTwoPi * (i + 0.5) / spec.n_phi,
              -spec.half_length + 0.5 * t.length + j * step);
        }
      layer.min = -spec.half_length;
      layer.max = spec.half_length;
    } else {
      layer.min = 1e30;
      layer.max = 0;
      for (std::size_t k = 0; k < spec.rings.size(); ++k) {
        const auto& ring = spec.rings[k];
        for (int i = 0; i < ring.n_phi; ++i) {
          const double offset = ((int(k) + i) % 2 ? 0.5 : -0.5) * spec.stagger;
          add(spec.position + offset, -units::pi + kTwoPi * (i + 0.5) / ring.n_phi, ring.radius);
        }
        layer.min = std::min(layer.min, std::max(0.0, ring.radius - 0.5 * t.length));
        layer.max = std::max(layer.max, std::hypot(ring.radius + 0.5 * t.length, 0.5 * t.width));
      }
    }
    layer.n_modules = static_cast<std::uint32_t>(det.modules.size()) - layer.first_module;
    det.layers.push_back(layer);

    // One lookup surface per distinct module position (the two staggered sub-layers).
    std::map<double, std::vector<std::uint32_t>> by_position;
    for (std::uint32_t id = layer.first_module; id < det.modules.size(); ++id)
      by_position[det.modules[id].position].push_back(id);
    for (const auto& [position, ids] : by_position) {
      Surface s;
      s.kind = spec.kind;
      s.position = position;
      s.min = layer.min;
      s.max = layer.max;
      s.layer_index = layer_index;
      buildLookup(s, det.modules, det.module_types, ids);
      det.surfaces.push_back(std::move(s));
    }
  }
  for (const PassiveSurface& p : det.passive) {
    Surface s;
    s.kind = p.kind;
    s.position = p.position;
    s.min = p.min;
    s.max = p.max;
    s.thickness_x0 = p.thickness_x0;
    s.passive = true;
    det.surfaces.push_back(std::move(s));
  }
  std::stable_sort(det.surfaces.begin(), det.surfaces.end(), [](const Surface& a, const Surface& b) {
    return std::tie(a.kind, a.position) < std::tie(b.kind, b.position);
  });
  for (const Module& m : det.modules) {
    const auto key = moduleKey(m.volume_id, m.layer_id, m.module_id);
    if (!key) throw Error("detector '" + det.config.name + "': module ids out of range");
    det.index_.emplace(*key, m.index);
  }
  return det;
}

}  // namespace efgnn
