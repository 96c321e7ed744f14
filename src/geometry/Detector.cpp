#include "geometry/Detector.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>

#include "core/Error.hpp"
#include "core/Event.hpp"
#include "core/Units.hpp"

namespace efgnn {
namespace {

constexpr double kTwoPi = 2 * units::pi;

std::optional<std::uint64_t> moduleKey(std::int32_t volume, std::int32_t layer,
                                       std::int32_t module) {
  constexpr std::int32_t kMax = Detector::kMaxId;
  if (volume < 0 || layer < 0 || module < 0 || volume > kMax || layer > kMax || module > kMax)
    return std::nullopt;
  return (std::uint64_t(volume) << 42) | (std::uint64_t(layer) << 21) | std::uint64_t(module);
}

/// "detector 'NAME': module (volume V, layer L, module M)", how errors name a module.
std::string moduleName(const std::string& detector, const Module& m) {
  return "detector '" + detector + "': module (volume " + std::to_string(m.volume_id) + ", layer " +
         std::to_string(m.layer_id) + ", module " + std::to_string(m.module_id) + ")";
}

/// A number as printf's %g writes it (6 significant digits, no trailing zeros).
std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

/// Bounding box of a module in (phi, second coordinate) for the lookup grid.
struct Box {
  double phi_half, lo, hi;
};

/// Global position of local (u, v) on a placed module.
Vec3 onPlane(const Module& m, double u, double v) {
  const Placement& p = *m.placement;
  return p.centre + p.axis_u * u + p.axis_v * v;
}

/// Visits points spread over a module's active area (corners, edges and inside): enough to
/// bound a flat module's extent in phi, r and z, which may lie between its corners.
template <class F>
void forSamplePoints(const Module& m, F&& f) {
  constexpr int kSteps = 8;
  for (int j = 0; j <= kSteps; ++j) {
    const double v = m.half_v * (2.0 * j / kSteps - 1);
    const double hw = m.halfWidthAt(v);
    for (int i = 0; i <= kSteps; ++i) f(onPlane(m, hw * (2.0 * i / kSteps - 1), v));
  }
}

/// A placed module's lookup box and its extent along its surface's normal coordinate (radius /
/// z), from one pass over its sample points.
struct PlacedExtent {
  Box box{0, 1e30, -1e30};
  double normal_lo = 1e30, normal_hi = -1e30;
};

PlacedExtent placedExtent(const Module& m) {
  PlacedExtent e;
  const bool barrel = m.kind == SurfaceKind::Cylinder;
  forSamplePoints(m, [&](const Vec3& p) {
    e.box.phi_half = std::max(e.box.phi_half, std::abs(units::wrapAngle(p.phi() - m.phi)));
    const double second = barrel ? p.z : p.perp(), normal = barrel ? p.perp() : p.z;
    e.box.lo = std::min(e.box.lo, second);
    e.box.hi = std::max(e.box.hi, second);
    e.normal_lo = std::min(e.normal_lo, normal);
    e.normal_hi = std::max(e.normal_hi, normal);
  });
  // The samples miss the extremes between them by far less than a millimetre.
  e.box.phi_half += 1e-3;
  e.box.lo -= 0.5;
  e.box.hi += 0.5;
  return e;
}

/// Lookup box of a tiled module (curved along its cylinder, or flat in its disk).
Box tiledBoundingBox(const Module& m, const ModuleType& t) {
  if (m.kind == SurfaceKind::Cylinder)
    return {0.5 * t.width / m.position, m.centre - 0.5 * t.length, m.centre + 0.5 * t.length};
  const double inner = std::max(m.centre - 0.5 * t.length, 1e-3);
  const double outer = std::hypot(m.centre + 0.5 * t.length, 0.5 * t.width);
  return {std::atan2(0.5 * t.width, inner), inner, outer};
}

// Lookup grids: bins of about half the smallest module in each direction, at most
// kMaxBinsPerAxis along each and kMaxCells in all (the real TrackML detector's largest layer has
// ~10^4 cells). A module goes into every cell its box meets, so a few modules far larger than
// the smallest, or around the beam axis (all azimuths), could fill millions of cells: the grid
// is then coarsened until there are at most kMaxEntriesPerModule entries per module (the real
// detector has 9 to 14) or kMaxCells in all.
constexpr int kMaxBinsPerAxis = 4096;
constexpr double kMaxCells = 1 << 18;
constexpr std::size_t kMaxEntriesPerModule = 64;

/// floor(x) as an int clamped to [lo, hi] (NaN: lo), without converting an out-of-range double.
int floorIndex(double x, int lo, int hi) {
  const double f = std::floor(x);
  if (!(f >= lo)) return lo;
  return f >= hi ? hi : static_cast<int>(f);
}

/// ceil(x) clamped to [1, kMaxBinsPerAxis] (NaN: 1).
int binCount(double x) {
  const double c = std::ceil(x);
  if (!(c >= 1)) return 1;
  return c >= kMaxBinsPerAxis ? kMaxBinsPerAxis : static_cast<int>(c);
}

/// The cells of `s`'s grid that box `b` of module `m` meets: azimuth bins p0..p1 (not yet
/// wrapped, at most n_phi_bins of them), second-coordinate bins s0..s1.
struct CellRange {
  int p0, p1, s0, s1;
  std::size_t size() const { return std::size_t(std::max(0, p1 - p0 + 1)) * std::size_t(std::max(0, s1 - s0 + 1)); }
};
CellRange cellsOf(const Surface& s, const Module& m, const Box& b) {
  const int n = s.n_phi_bins;
  const double phi_bin = kTwoPi / n, second_bin = (s.max - s.min) / s.n_second_bins;
  CellRange r;
  r.p0 = floorIndex((m.phi - b.phi_half + units::pi) / phi_bin, -2 * n, 2 * n);
  r.p1 = std::min(r.p0 + n - 1, floorIndex((m.phi + b.phi_half + units::pi) / phi_bin, -2 * n, 3 * n));
  r.s0 = floorIndex((b.lo - s.min) / second_bin, 0, s.n_second_bins - 1);
  r.s1 = floorIndex((b.hi - s.min) / second_bin, 0, s.n_second_bins - 1);
  return r;
}

/// The lookup grid of surface `s` for modules `ids`, whose boxes are `boxes` (in the same order).
void buildLookup(Surface& s, const std::vector<Module>& modules, const std::vector<std::uint32_t>& ids,
                 const std::vector<Box>& boxes) {
  // Bins about half a module in each direction keep the candidate lists at a few entries.
  double min_phi_width = kTwoPi, min_len = 1e30;
  for (const Box& b : boxes) {
    min_phi_width = std::min(min_phi_width, 2 * b.phi_half);
    min_len = std::min(min_len, b.hi - b.lo);
  }
  s.n_phi_bins = binCount(2 * kTwoPi / min_phi_width);
  s.n_second_bins = binCount(2 * (s.max - s.min) / min_len);
  const double cells = double(s.n_phi_bins) * s.n_second_bins;
  if (cells > kMaxCells) {
    const double f = std::sqrt(kMaxCells / cells);
    s.n_phi_bins = std::max(1, static_cast<int>(s.n_phi_bins * f));
    s.n_second_bins = std::max(1, static_cast<int>(s.n_second_bins * f));
  }
  const std::size_t max_entries = std::max(std::size_t(kMaxCells), kMaxEntriesPerModule * ids.size());
  for (;;) {
    std::size_t entries = 0;
    for (std::size_t k = 0; k < ids.size(); ++k) entries += cellsOf(s, modules[ids[k]], boxes[k]).size();
    if (entries <= max_entries || (s.n_phi_bins == 1 && s.n_second_bins == 1)) break;
    int& coarsen = s.n_phi_bins > 1 && (s.n_phi_bins >= s.n_second_bins || s.n_second_bins == 1) ? s.n_phi_bins
                                                                                                 : s.n_second_bins;
    coarsen = (coarsen + 1) / 2;
  }
  s.bins.assign(std::size_t(s.n_phi_bins) * s.n_second_bins, {});
  for (std::size_t k = 0; k < ids.size(); ++k) {
    const CellRange r = cellsOf(s, modules[ids[k]], boxes[k]);
    for (int p = r.p0; p <= r.p1; ++p) {
      const int pw = ((p % s.n_phi_bins) + s.n_phi_bins) % s.n_phi_bins;
      for (int q = r.s0; q <= r.s1; ++q) s.bins[std::size_t(pw) * s.n_second_bins + q].push_back(ids[k]);
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
  if (m.placement) {
    const Vec3 d = Vec3{x, y, z} - m.placement->centre;
    return {d.dot(m.placement->axis_u), d.dot(m.placement->axis_v)};
  }
  if (m.kind == SurfaceKind::Cylinder)
    return {m.position * units::wrapAngle(std::atan2(y, x) - m.phi), z - m.centre};
  const double c = std::cos(m.phi), s = std::sin(m.phi);
  return {-x * s + y * c, x * c + y * s - m.centre};
}

void Detector::toGlobal(const Module& m, const LocalPoint& p, double& x, double& y,
                        double& z) const {
  if (m.placement) {
    const Vec3 g = onPlane(m, p.u, p.v);
    x = g.x;
    y = g.y;
    z = g.z;
    return;
  }
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
  return std::abs(p.v) <= m.half_v && std::abs(p.u) <= m.halfWidthAt(p.v);
}

double Detector::distanceFromPlane(const Module& m, double x, double y, double z) const {
  if (!m.placement) return 0;
  return (Vec3{x, y, z} - m.placement->centre).dot(m.placement->normal);
}

void Detector::modulesNear(const Surface& s, double phi_lo, double phi_hi, double lo, double hi,
                           std::vector<std::uint32_t>& out) const {
  out.clear();
  if (s.bins.empty() || !(hi >= s.min && lo <= s.max)) return;
  const int n = s.n_phi_bins;
  const double phi_bin = kTwoPi / n, second_bin = (s.max - s.min) / s.n_second_bins;
  // All azimuths for a range of 2 pi or more (or not a number); a far-off branch is first
  // brought into [-pi, pi] (exactly), so that the bin indexes stay in int range.
  const double width = phi_hi - phi_lo;
  int p0 = 0, p1 = n - 1;
  if (width < kTwoPi) {
    const double from = std::abs(phi_lo) <= 4 * units::pi ? phi_lo : std::remainder(phi_lo, kTwoPi);
    p0 = floorIndex((from + units::pi) / phi_bin, -3 * n, 3 * n);
    p1 = std::min(p0 + n - 1, floorIndex((from + width + units::pi) / phi_bin, -3 * n, 5 * n));
  }
  const int q0 = floorIndex((lo - s.min) / second_bin, 0, s.n_second_bins - 1);
  const int q1 = floorIndex((hi - s.min) / second_bin, 0, s.n_second_bins - 1);
  for (int p = p0; p <= p1; ++p) {
    const int pw = ((p % s.n_phi_bins) + s.n_phi_bins) % s.n_phi_bins;
    for (int q = q0; q <= q1; ++q) {
      const auto& bin = s.bins[std::size_t(pw) * s.n_second_bins + q];
      out.insert(out.end(), bin.begin(), bin.end());
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

void Detector::modulesAt(const Surface& s, double x, double y, double z,
                         std::vector<std::uint32_t>& out) const {
  out.clear();
  if (s.bins.empty()) return;
  const double second = s.kind == SurfaceKind::Cylinder ? z : std::hypot(x, y);
  if (!(second >= s.min && second <= s.max)) return;
  const double phi = std::atan2(y, x);
  const int p = floorIndex((phi + units::pi) / kTwoPi * s.n_phi_bins, 0, s.n_phi_bins - 1);
  const int q = floorIndex((second - s.min) / (s.max - s.min) * s.n_second_bins, 0, s.n_second_bins - 1);
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
      m.half_u_min = m.half_u_max = 0.5 * t.width;
      m.half_v = 0.5 * t.length;
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
      s.position = s.inner = s.outer = position;
      s.min = layer.min;
      s.max = layer.max;
      s.layer_index = layer_index;
      std::vector<Box> boxes;
      for (auto id : ids) boxes.push_back(tiledBoundingBox(det.modules[id], det.module_types[det.modules[id].type_index]));
      buildLookup(s, det.modules, ids, boxes);
      det.surfaces.push_back(std::move(s));
    }
  }
  det.finish();
  return det;
}

void Detector::finish() {
  for (const PassiveSurface& p : passive) {
    Surface s;
    s.kind = p.kind;
    s.position = s.inner = s.outer = p.position;
    s.min = p.min;
    s.max = p.max;
    s.thickness_x0 = p.thickness_x0;
    s.passive = true;
    surfaces.push_back(std::move(s));
  }
  std::stable_sort(surfaces.begin(), surfaces.end(), [](const Surface& a, const Surface& b) {
    return std::tie(a.kind, a.position) < std::tie(b.kind, b.position);
  });
  for (const Module& m : modules) {
    const auto key = moduleKey(m.volume_id, m.layer_id, m.module_id);
    if (!key) throw Error(moduleName(config.name, m) + ": ids must be in [0, " + std::to_string(kMaxId) + "]");
    if (!index_.emplace(*key, m.index).second) throw Error(moduleName(config.name, m) + " appears twice");
  }
}

Detector Detector::fromPlacedModules(Config config, std::vector<ModuleType> types, std::vector<Module> modules,
                                     std::vector<PassiveSurface> passive) {
  Detector det;
  det.config = std::move(config);
  det.module_types = std::move(types);
  det.passive = std::move(passive);
  std::sort(modules.begin(), modules.end(), [](const Module& a, const Module& b) {
    return std::tie(a.volume_id, a.layer_id, a.module_id) < std::tie(b.volume_id, b.layer_id, b.module_id);
  });
  const auto name = [&](const Module& m) { return moduleName(det.config.name, m); };
  for (std::size_t i = 0; i < modules.size(); ++i) {
    Module& m = modules[i];
    if (!m.placement) throw Error(name(m) + " has no placement");
    if (m.type_index >= det.module_types.size()) throw Error(name(m) + ": unknown module type");
    // Id range and repeated ids: finish() checks them for every kind of detector.
    const Placement& p = *m.placement;
    // Bounded so that the extents and lookup bins derived below are finite (kMaxPlacedCoordinate).
    for (const double c : {p.centre.x, p.centre.y, p.centre.z})
      if (!(std::abs(c) <= kMaxPlacedCoordinate))
        throw Error(name(m) + ": centre (" + num(p.centre.x) + ", " + num(p.centre.y) + ", " + num(p.centre.z) +
                    ") mm: coordinates must be within +-" + num(kMaxPlacedCoordinate) + " mm");
    const auto unit = [](const Vec3& a) { return std::abs(a.norm() - 1) <= 1e-3; };
    const auto orthogonal = [](const Vec3& a, const Vec3& b) { return std::abs(a.dot(b)) <= 1e-3; };
    if (!unit(p.axis_u) || !unit(p.axis_v) || !unit(p.normal) || !orthogonal(p.axis_u, p.axis_v) ||
        !orthogonal(p.axis_u, p.normal) || !orthogonal(p.axis_v, p.normal))
      throw Error(name(m) + ": the axes u, v and normal are not orthonormal");
    for (const double h : {m.half_u_min, m.half_u_max, m.half_v})
      if (!(h > 0 && h <= kMaxPlacedHalfSize))
        throw Error(name(m) + ": half sizes (u " + num(m.half_u_min) + " to " + num(m.half_u_max) + ", v " +
                    num(m.half_v) + ") mm must be positive and at most " + num(kMaxPlacedHalfSize) + " mm");
    m.index = static_cast<std::uint32_t>(i);
    m.kind = std::abs(p.normal.z) > 0.5 ? SurfaceKind::Disk : SurfaceKind::Cylinder;
    m.position = m.kind == SurfaceKind::Cylinder ? p.centre.perp() : p.centre.z;
    m.centre = m.kind == SurfaceKind::Cylinder ? p.centre.z : p.centre.perp();
    m.phi = p.centre.phi();
  }
  det.modules = std::move(modules);
  for (std::size_t first = 0; first < det.modules.size();) {
    std::size_t last = first;
    while (last < det.modules.size() && det.modules[last].volume_id == det.modules[first].volume_id &&
           det.modules[last].layer_id == det.modules[first].layer_id)
      ++last;
    Layer layer;
    layer.volume_id = det.modules[first].volume_id;
    layer.layer_id = det.modules[first].layer_id;
    layer.kind = det.modules[first].kind;
    layer.first_module = static_cast<std::uint32_t>(first);
    layer.n_modules = static_cast<std::uint32_t>(last - first);
    const auto layer_index = static_cast<std::uint32_t>(det.layers.size());
    Surface s;
    s.kind = layer.kind;
    s.placed = true;
    s.layer_index = layer_index;
    s.inner = 1e30;
    s.outer = -1e30;
    layer.min = 1e30;
    layer.max = -1e30;
    double sum = 0;
    std::vector<std::uint32_t> ids;
    std::vector<Box> boxes;
    for (std::size_t i = first; i < last; ++i) {
      Module& m = det.modules[i];
      if (m.kind != layer.kind)
        throw Error(name(m) + " faces " + (m.kind == SurfaceKind::Disk ? "along z" : "outwards") +
                    ", unlike the first module of its layer");
      m.layer_index = layer_index;
      const PlacedExtent e = placedExtent(m);
      layer.min = std::min(layer.min, e.box.lo);
      layer.max = std::max(layer.max, e.box.hi);
      s.inner = std::min(s.inner, e.normal_lo);
      s.outer = std::max(s.outer, e.normal_hi);
      sum += m.position;
      ids.push_back(m.index);
      boxes.push_back(e.box);
    }
    layer.position = sum / double(last - first);
    // The simulation stops at the shell's middle and searches the module planes from there: a
    // layer is one sheet of modules (the real detector's are under 12 mm thick), not modules
    // spread along its normal.
    if (s.outer - s.inner > kMaxLayerThickness)
      throw Error("detector '" + det.config.name + "': layer " + std::to_string(layer.layer_id) + " of volume " +
                  std::to_string(layer.volume_id) + ": its modules spread " + num(s.outer - s.inner) +
                  " mm along the layer's normal (at most " + num(kMaxLayerThickness) +
                  "): give modules that far apart layers of their own");
    s.position = 0.5 * (s.inner + s.outer);
    s.min = layer.min;
    s.max = layer.max;
    buildLookup(s, det.modules, ids, boxes);
    det.layers.push_back(layer);
    det.surfaces.push_back(std::move(s));
    first = last;
  }
  det.finish();
  return det;
}

}  // namespace efgnn
