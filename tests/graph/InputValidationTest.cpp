// Issue 28 (item 8) for the graph stage: manifests whose splits overlap or are of the wrong
// type, and module maps learned from events without truth.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "ErrorText.hpp"
#include "core/Error.hpp"
#include "geometry/DetectorConfig.hpp"
#include "graph/GraphDataset.hpp"
#include "graph/ModuleMap.hpp"
#include "graph/ModuleMapFile.hpp"

namespace efgnn {
namespace {

using test::errorOf;

std::string manifest(const std::string& splits) {
  return "{\"format\": \"efgnn-graphs\", \"version\": 1, \"detector\": \"trackml\", \"builder\": \"module-map\",\n"
         " \"node_features\": [\"r\"], \"edge_features\": [\"dr\"],\n"
         " \"splits\": " + splits + "}\n";
}

TEST(InputValidation, ManifestSplitsAreChecked) {
  EXPECT_NO_THROW(GraphDatasetManifest::parse(manifest("{\"train\": [1, 2], \"val\": [3], \"test\": []}"), "m.json"));
  std::string msg = errorOf([] { GraphDatasetManifest::parse(manifest("{\"train\": [1, 2, 1]}"), "m.json"); });
  EXPECT_NE(msg.find("m.json:3:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("event 1 is listed twice in 'train'"), std::string::npos) << msg;
  msg = errorOf([] { GraphDatasetManifest::parse(manifest("{\"train\": [1, 2], \"test\": [2]}"), "m.json"); });
  EXPECT_NE(msg.find("event 2 is listed twice, in 'train' and in 'test'"), std::string::npos) << msg;
  msg = errorOf([] { GraphDatasetManifest::parse(manifest("\"train\""), "m.json"); });
  EXPECT_NE(msg.find("field 'splits'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("expected a map of splits"), std::string::npos) << msg;
  msg = errorOf([] { GraphDatasetManifest::parse(manifest("{\"train\": 5}"), "m.json"); });
  EXPECT_NE(msg.find("field 'splits.train'"), std::string::npos) << msg;
  msg = errorOf([] { GraphDatasetManifest::parse(manifest("{\"train\": [-1]}"), "m.json"); });
  EXPECT_NE(msg.find("event id must be >= 0"), std::string::npos) << msg;
  msg = errorOf([] { GraphDatasetManifest::parse(manifest("{\"trian\": [1]}"), "m.json"); });
  EXPECT_NE(msg.find("unknown field 'trian'"), std::string::npos) << msg;
}

TEST(InputValidation, ModuleMapNeedsEventsWithTruth) {
  const Detector det = loadDetector("trackml");
  ModuleMapBuilder builder(det, {});
  Event event;
  event.event_id = 8;
  SpacePoint hit;
  hit.hit_id = 1;
  event.hits.push_back(hit);
  const std::string msg = errorOf([&] { builder.add(event, "events/"); });
  EXPECT_NE(msg.find("events/: event 8 has no truth"), std::string::npos) << msg;
}

TEST(InputValidation, ModuleMapReaderChecksFiniteness) {
  ModuleMap map;
  map.detector = "trackml";
  map.modules = {{7, 2, 1}, {7, 4, 1}};
  ModuleMap::Doublet d;
  d.b = 1;
  d.count = 3;
  d.z0 = {-10, 10};
  d.dphi = {-0.1f, 0.1f};
  d.phi_slope = {-0.01f, 0.01f};
  d.deta = {-0.2f, 0.2f};
  map.doublets = {d};
  map.index();
  const auto file = std::filesystem::temp_directory_path() / "efgnn-input-validation-map.h5";
  writeModuleMap(map, file);
  EXPECT_EQ(readModuleMap(file).doublets, map.doublets);
  {
    const hid_t id = H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    const hid_t ds = H5Dopen2(id, "doublets/z0_max", H5P_DEFAULT);
    const float nan = std::nanf("");
    H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, &nan);
    H5Dclose(ds);
    H5Fclose(id);
  }
  const std::string msg = errorOf([&] { readModuleMap(file); });
  EXPECT_NE(msg.find(file.string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("dataset 'z0_max': row 0: not a finite number"), std::string::npos) << msg;
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace efgnn
