#include "graph/ModuleMapFile.hpp"

#include <algorithm>
#include <cmath>
#include <tuple>

#include "io/H5File.hpp"

namespace efgnn {
namespace {

template <class Record, class T>
void writeColumn(const h5::Group& g, const std::vector<Record>& rows, const char* name, T Record::*member) {
  std::vector<T> values(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) values[i] = rows[i].*member;
  g.writeDataset(name, values);
}

template <class Record, class T>
void readColumn(const h5::Group& g, std::vector<Record>& rows, const char* name, T Record::*member) {
  const auto values = g.readDataset<T>(name, rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i].*member = values[i];
}

void writeRange(const h5::Group& g, const char* name, const auto& rows, auto range) {
  std::vector<float> lo(rows.size()), hi(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    lo[i] = (rows[i].*range).min;
    hi[i] = (rows[i].*range).max;
  }
  g.writeDataset(std::string(name) + "_min", lo);
  g.writeDataset(std::string(name) + "_max", hi);
}

void readRange(const h5::Group& g, const char* name, auto& rows, auto range) {
  const auto lo = g.readDataset<float>(std::string(name) + "_min", rows.size());
  const auto hi = g.readDataset<float>(std::string(name) + "_max", rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    // The builder clamps ranges to finite values; NaN or inf would pass every edge or none.
    if (!std::isfinite(lo[i]) || !std::isfinite(hi[i]))
      throw g.datasetError(std::string(name) + (std::isfinite(lo[i]) ? "_max" : "_min"),
                           "row " + std::to_string(i) + ": not a finite number");
    if (!(lo[i] <= hi[i]))
      throw g.datasetError(std::string(name) + "_min", "row " + std::to_string(i) + ": minimum above maximum");
    rows[i].*range = Range{lo[i], hi[i]};
  }
}

/// The columns of the doublet and triplet tables, named once for writing and reading.
template <class Visitor>
void doubletColumns(Visitor& v) {
  using D = ModuleMap::Doublet;
  v.column("module_1", &D::a);
  v.column("module_2", &D::b);
  v.column("count", &D::count);
  v.range("z0", &D::z0);
  v.range("dphi", &D::dphi);
  v.range("phi_slope", &D::phi_slope);
  v.range("deta", &D::deta);
}

template <class Visitor>
void tripletColumns(Visitor& v) {
  using T = ModuleMap::Triplet;
  v.column("module_1", &T::a);
  v.column("module_2", &T::b);
  v.column("module_3", &T::c);
  v.column("count", &T::count);
  v.range("diff_dzdr", &T::diff_dzdr);
  v.range("diff_phi_slope", &T::diff_phi_slope);
}

template <class Record>
struct TableWriter {
  const h5::Group& group;
  const std::vector<Record>& rows;
  template <class T>
  void column(const char* name, T Record::*member) { writeColumn(group, rows, name, member); }
  void range(const char* name, Range Record::*member) { writeRange(group, name, rows, member); }
};

template <class Record>
struct TableReader {
  const h5::Group& group;
  std::vector<Record>& rows;
  template <class T>
  void column(const char* name, T Record::*member) { readColumn(group, rows, name, member); }
  void range(const char* name, Range Record::*member) { readRange(group, name, rows, member); }
};

}  // namespace

void writeModuleMap(const ModuleMap& map, const std::filesystem::path& file) {
  const auto lock = h5::lockHdf5();
  h5::NewFile out(file);
  const h5::Group& root = out.root();
  h5::writeFormat(root, "efgnn-module-map", kModuleMapVersion);
  root.writeAttribute("detector", map.detector);
  root.writeAttribute("events", static_cast<std::uint64_t>(map.events));
  root.writeAttribute("min_pt", map.config.min_pt);
  root.writeAttribute("min_hits", static_cast<std::int32_t>(map.config.min_hits));
  root.writeAttribute("no_electrons", static_cast<std::uint8_t>(map.config.no_electrons));
  {
    const h5::Group modules = root.createGroup("modules");
    const char* names[3] = {"volume_id", "layer_id", "module_id"};
    for (int k = 0; k < 3; ++k) {
      std::vector<std::int32_t> column(map.modules.size());
      for (std::size_t i = 0; i < column.size(); ++i) column[i] = map.modules[i][k];
      modules.writeDataset(names[k], column);
    }
    const h5::Group d = root.createGroup("doublets");
    TableWriter<ModuleMap::Doublet> doublets{d, map.doublets};
    doubletColumns(doublets);
    const h5::Group t = root.createGroup("triplets");
    TableWriter<ModuleMap::Triplet> triplets{t, map.triplets};
    tripletColumns(triplets);
  }
  out.commit();
}

ModuleMap readModuleMap(const std::filesystem::path& file) {
  ModuleMap map;
  {
    const auto lock = h5::lockHdf5();
    const h5::Group root = h5::openFile(file);
    h5::readFormat(root, "efgnn-module-map", kModuleMapVersion);
    map.detector = root.readAttribute<std::string>("detector");
    map.events = root.readAttribute<std::uint64_t>("events");
    map.config.min_pt = root.readAttribute<double>("min_pt");
    map.config.min_hits = root.readAttribute<std::int32_t>("min_hits");
    map.config.no_electrons = root.readAttribute<std::uint8_t>("no_electrons") != 0;

    const h5::Group modules = root.openGroup("modules");
    const auto volume = modules.readDataset<std::int32_t>("volume_id");
    const auto layer = modules.readDataset<std::int32_t>("layer_id", volume.size());
    const auto module = modules.readDataset<std::int32_t>("module_id", volume.size());
    for (std::size_t i = 0; i < volume.size(); ++i) map.modules.push_back({volume[i], layer[i], module[i]});

    const h5::Group d = root.openGroup("doublets");
    map.doublets.resize(d.readDataset<std::uint32_t>("count").size());
    TableReader<ModuleMap::Doublet> doublets{d, map.doublets};
    doubletColumns(doublets);
    const h5::Group t = root.openGroup("triplets");
    map.triplets.resize(t.readDataset<std::uint32_t>("count").size());
    TableReader<ModuleMap::Triplet> triplets{t, map.triplets};
    tripletColumns(triplets);

    const auto bad = [&](const char* what) { return Error(file.string() + ": module map: " + what); };
    const auto m = map.modules.size();
    for (const auto& x : map.doublets)
      if (x.a >= m || x.b >= m) throw bad("a doublet refers to a module beyond /modules");
    for (const auto& x : map.triplets)
      if (x.a >= m || x.b >= m || x.c >= m) throw bad("a triplet refers to a module beyond /modules");
    if (!std::is_sorted(map.doublets.begin(), map.doublets.end(),
                        [](const auto& x, const auto& y) { return std::tie(x.a, x.b) < std::tie(y.a, y.b); }) ||
        !std::is_sorted(map.triplets.begin(), map.triplets.end(), [](const auto& x, const auto& y) {
          return std::tie(x.a, x.b, x.c) < std::tie(y.a, y.b, y.c);
        }))
      throw bad("doublets or triplets are not sorted");
  }
  map.index();
  return map;
}

}  // namespace efgnn
