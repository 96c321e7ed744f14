#pragma once
// A directory of graph files (one per event, eventNNNNNNNNN.h5) with its manifest.json: how
// the graphs were built and the train/val/test split.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/Graph.hpp"
#include "core/Json.hpp"

namespace efgnn {

struct GraphDatasetManifest {
  std::string detector, builder, module_map;
  std::optional<double> hard_cut_pt;
  std::vector<std::string> node_features, edge_features;
  std::uint64_t split_seed = 0;
  std::map<std::string, std::vector<std::uint64_t>> splits;  // "train", "val", "test"
  /// How the graphs were made (events, module map, builder and its cuts), as text: build-graphs
  /// --resume adds graphs only under the same settings. Empty in manifests of older efgnn.
  std::map<std::string, std::string> settings;

  Json json() const;
  static GraphDatasetManifest parse(const std::string& text, const std::string& source);
};

/// Deterministic split of `ids` into train/val/test with fractions proportional to
/// `percentages` (three numbers), shuffled by `seed`.
std::map<std::string, std::vector<std::uint64_t>> splitEvents(std::vector<std::uint64_t> ids,
                                                              const std::vector<double>& percentages,
                                                              std::uint64_t seed);

class GraphDataset {
 public:
  /// Reads DIR/manifest.json; throws Error if missing or invalid.
  explicit GraphDataset(std::filesystem::path dir);
  const GraphDatasetManifest& manifest() const { return manifest_; }
  /// Event ids of a split ("train", "val", "test") or of all of them ("all"), sorted.
  std::vector<std::uint64_t> ids(const std::string& split) const;
  std::filesystem::path fileOf(std::uint64_t event_id) const;
  Graph read(std::uint64_t event_id) const;

 private:
  std::filesystem::path dir_;
  GraphDatasetManifest manifest_;
};

/// File name of an event's graph in a dataset directory.
std::string graphFileName(std::uint64_t event_id);

}  // namespace efgnn
