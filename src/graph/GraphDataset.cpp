#include "graph/GraphDataset.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/AtomicFile.hpp"
#include "core/Error.hpp"
#include "core/Event.hpp"
#include "core/Random.hpp"
#include "core/Yaml.hpp"
#include "io/GraphStoreH5.hpp"

namespace efgnn {

namespace {
const char* const kSplitNames[3] = {"train", "val", "test"};
}

Json GraphDatasetManifest::json() const {
  Json j = Json::object();
  j["format"] = "efgnn-graphs";
  j["version"] = 1;
  j["detector"] = detector;
  j["builder"] = builder;
  j["module_map"] = module_map;
  j["hard_cut_pt"] = hard_cut_pt ? Json(*hard_cut_pt) : Json();
  Json nf = Json::array(), ef = Json::array();
  for (const auto& f : node_features) nf.push_back(f);
  for (const auto& f : edge_features) ef.push_back(f);
  j["node_features"] = nf;
  j["edge_features"] = ef;
  j["split_seed"] = split_seed;
  Json s = Json::object();
  for (const char* name : kSplitNames) {
    Json ids = Json::array();
    if (const auto it = splits.find(name); it != splits.end())
      for (const auto id : it->second) ids.push_back(id);
    s[name] = ids;
  }
  j["splits"] = s;
  Json settings_json = Json::object();
  for (const auto& [key, value] : settings) settings_json[key] = value;
  j["settings"] = settings_json;
  return j;
}

GraphDatasetManifest GraphDatasetManifest::parse(const std::string& text, const std::string& source) {
  // JSON is YAML, so the YAML reader gives line numbers and field paths for free.
  const YamlNode root = YamlNode::parse(text, source);
  if (root.get("format", std::string()) != "efgnn-graphs")
    throw root.error("not an efgnn graph manifest (format should be efgnn-graphs)");
  if (root["version"].asInt() > 1)
    throw root["version"].error("manifest version " + root["version"].asString() +
                                " is newer than this efgnn reads (1)");
  GraphDatasetManifest m;
  m.detector = root["detector"].asString();
  m.builder = root["builder"].asString();
  m.module_map = root.get("module_map", std::string());
  if (root.has("hard_cut_pt") && !root["hard_cut_pt"].raw().IsNull()) m.hard_cut_pt = root["hard_cut_pt"].asDouble();
  for (const auto& [field, out] : {std::pair{"node_features", &m.node_features}, std::pair{"edge_features", &m.edge_features}}) {
    const YamlNode list = root[field];
    for (std::size_t i = 0; i < list.size(); ++i) out->push_back(list.at(i).asString());
  }
  m.split_seed = static_cast<std::uint64_t>(root.get("split_seed", 0LL));
  if (const auto settings = root.optional("settings"))
    for (const auto& key : settings->keys()) m.settings[key] = (*settings)[key].asString();
  const YamlNode splits = root["splits"];
  // A map of lists of event ids; each event in one split only, else a model would be tested
  // on the events it was trained on.
  if (!splits.isMap()) throw splits.error("expected a map of splits {\"train\": [ids], \"val\": [...], \"test\": [...]}");
  splits.allowOnly({"train", "val", "test"});
  std::map<std::uint64_t, std::string> split_of;
  for (const char* name : kSplitNames) {
    auto& ids = m.splits[name];
    if (!splits.has(name)) continue;
    const YamlNode list = splits[name];
    if (!list.isSequence()) throw list.error("expected a list of event ids");
    for (std::size_t i = 0; i < list.size(); ++i) {
      const YamlNode entry = list.at(i);
      const long long id = entry.asInt();
      if (id < 0) throw entry.error("event id must be >= 0, got " + std::to_string(id));
      const auto [it, inserted] = split_of.emplace(static_cast<std::uint64_t>(id), name);
      if (!inserted)
        throw entry.error("event " + std::to_string(id) + " is listed twice" +
                          (it->second == name ? " in '" + it->second + "'" : ", in '" + it->second + "' and in '" + name + "'"));
      ids.push_back(static_cast<std::uint64_t>(id));
    }
  }
  return m;
}

std::map<std::string, std::vector<std::uint64_t>> splitEvents(std::vector<std::uint64_t> ids,
                                                              const std::vector<double>& percentages,
                                                              std::uint64_t seed) {
  if (percentages.size() != 3) throw Error("--split: give three numbers, train,val,test");
  double total = 0;
  for (double p : percentages) {
    if (!(p >= 0)) throw Error("--split: percentages must be >= 0");
    total += p;
  }
  if (!(total > 0)) throw Error("--split: percentages add up to 0");
  std::sort(ids.begin(), ids.end());
  Rng rng(seed, {0x5711});
  for (std::size_t i = ids.size(); i > 1; --i) std::swap(ids[i - 1], ids[rng.below(i)]);
  const auto n = ids.size();
  const auto n_train = static_cast<std::size_t>(std::llround(n * percentages[0] / total));
  const auto n_val = std::min(n - n_train, static_cast<std::size_t>(std::llround(n * percentages[1] / total)));
  std::map<std::string, std::vector<std::uint64_t>> out;
  out["train"].assign(ids.begin(), ids.begin() + n_train);
  out["val"].assign(ids.begin() + n_train, ids.begin() + n_train + n_val);
  out["test"].assign(ids.begin() + n_train + n_val, ids.end());
  for (auto& [name, v] : out) std::sort(v.begin(), v.end());
  return out;
}

std::string graphFileName(std::uint64_t event_id) { return eventStem(event_id) + ".h5"; }

GraphDataset::GraphDataset(std::filesystem::path dir) : dir_(std::move(dir)) {
  const auto path = dir_ / "manifest.json";
  if (!std::filesystem::exists(path))
    throw Error(dir_.string() + ": not a graph data set (no manifest.json; build one with efgnn build-graphs)");
  manifest_ = GraphDatasetManifest::parse(readFile(path), path.string());
}

std::vector<std::uint64_t> GraphDataset::ids(const std::string& split) const {
  std::vector<std::uint64_t> out;
  for (const auto& [name, ids] : manifest_.splits)
    if (split == "all" || split == name) out.insert(out.end(), ids.begin(), ids.end());
  if (split != "all" && !manifest_.splits.count(split))
    throw Error("unknown split '" + split + "' (train, val, test or all)");
  std::sort(out.begin(), out.end());
  return out;
}

std::filesystem::path GraphDataset::fileOf(std::uint64_t event_id) const { return dir_ / graphFileName(event_id); }

Graph GraphDataset::read(std::uint64_t event_id) const { return readGraphH5(fileOf(event_id)); }

}  // namespace efgnn
