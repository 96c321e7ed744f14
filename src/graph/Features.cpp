#include "graph/Features.hpp"

#include <algorithm>
#include <cmath>

#include "core/Error.hpp"

namespace efgnn {
namespace {

constexpr const char* kCellFeatureNames[] = {"cell_count", "cell_charge"};

void appendScaled(std::vector<float>& out, const std::array<float, 4>& c, const FeatureScales& s) {
  out.push_back(static_cast<float>(c[0] / s.r));
  out.push_back(static_cast<float>(c[1] / s.phi));
  out.push_back(static_cast<float>(c[2] / s.z));
  out.push_back(static_cast<float>(c[3] / s.eta));
}

}  // namespace

std::array<float, 4> HitCoordinates::of(float x, float y, float z) {
  const float r = std::hypot(x, y);  // as SpacePoint::r
  return {r, std::atan2(y, x), z, r == 0 ? 0.f : std::asinh(z / r)};
}

HitCoordinates::HitCoordinates(const Event& event) {
  const std::size_t n = event.hits.size();
  r.resize(n);
  phi.resize(n);
  z.resize(n);
  eta.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& h = event.hits[i];
    const auto c = of(h.x, h.y, h.z);
    r[i] = c[0];
    phi[i] = c[1];
    z[i] = c[2];
    eta[i] = c[3];
  }
}

bool hasCellFeatures(const std::vector<std::string>& names) {
  return std::find(names.begin(), names.end(), kCellFeatureNames[0]) != names.end();
}

std::vector<std::string> nodeFeatureNames(bool with_clusters, bool with_cells) {
  std::vector<std::string> names{"r", "phi", "z", "eta"};
  if (with_clusters)
    for (const char* c : {"cluster_1", "cluster_2"})
      for (const char* q : {"r", "phi", "z", "eta"}) names.push_back(std::string(c) + "_" + q);
  if (with_cells)
    for (const char* c : kCellFeatureNames) names.push_back(c);
  return names;
}

std::vector<std::string> edgeFeatureNames() {
  return {"dr", "dphi", "dz", "deta", "phislope", "rphislope"};
}

std::vector<float> computeNodeFeatures(const Event& event, const HitCoordinates& coordinates,
                                       const std::vector<std::uint32_t>& nodes, bool with_clusters, bool with_cells,
                                       const FeatureScales& scales) {
  if (with_cells && !nodes.empty() && !event.hasCells())
    throw Error("event " + std::to_string(event.event_id) +
                ": no cells, which the cell features (cell_count, cell_charge) need");
  if (coordinates.r.size() != event.hits.size())
    throw Error("event " + std::to_string(event.event_id) + ": coordinates of " + std::to_string(coordinates.r.size()) +
                " hits for " + std::to_string(event.hits.size()) + " hits");
  std::vector<float> x;
  x.reserve(nodes.size() * ((with_clusters ? 12 : 4) + (with_cells ? 2 : 0)));
  for (const auto i : nodes) {
    const auto& h = event.hits[i];
    appendScaled(x, {coordinates.r[i], coordinates.phi[i], coordinates.z[i], coordinates.eta[i]}, scales);
    if (with_clusters)
      for (int k = 0; k < 2; ++k) {
        if (h.clusters) {
          const auto& c = (*h.clusters)[k];
          appendScaled(x, HitCoordinates::of(c[0], c[1], c[2]), scales);
        } else {  // the hit's own four features again
          const std::size_t own = x.size() - 4 * (k + 1);
          for (std::size_t f = 0; f < 4; ++f) {
            const float v = x[own + f];
            x.push_back(v);
          }
        }
      }
    if (with_cells) {
      x.push_back(static_cast<float>(event.cells[i].count / scales.cell_count));
      x.push_back(static_cast<float>(event.cells[i].charge / scales.cell_charge));
    }
  }
  return x;
}

std::vector<float> computeEdgeFeatures(const std::vector<float>& x, std::size_t f,
                                       const std::vector<std::int64_t>& edge_index) {
  const std::size_t e = edge_index.size() / 2;
  std::vector<float> out(e * 6);
  for (std::size_t k = 0; k < e; ++k) {
    const float* a = &x[static_cast<std::size_t>(edge_index[k]) * f];
    const float* b = &x[static_cast<std::size_t>(edge_index[e + k]) * f];
    const float dr = b[0] - a[0], dphi = units::wrapAngle(b[1] - a[1], 1.f);  // phi is in units of pi
    float slope = dphi / dr;
    if (std::isnan(slope)) slope = 0;  // dr = dphi = 0
    slope = std::fmax(-100.f, std::fmin(100.f, slope));
    float* o = &out[k * 6];
    o[0] = dr;
    o[1] = dphi;
    o[2] = b[2] - a[2];
    o[3] = b[3] - a[3];
    o[4] = slope;
    o[5] = 0.5f * (a[0] + b[0]) * slope;
  }
  return out;
}

}  // namespace efgnn
