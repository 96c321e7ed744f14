#include "geometry/DetectorConfig.hpp"

#include <cmath>
#include <filesystem>
#include <map>

#include <regex>

#include "core/AtomicFile.hpp"
#include "core/Error.hpp"
#include "core/Yaml.hpp"
#include "geometry/TrackMLDetectorCsv.hpp"
#include "io/CsvTable.hpp"

extern const char* const kTrackmlDetectorYaml;
extern const char* const kItkDetectorYaml;

namespace efgnn {
namespace {

double positive(const YamlNode& n) {
  const double v = n.asDouble();
  if (!(v > 0)) throw n.error("must be positive, got " + n.asString());
  return v;
}

/// A number of modules (n_phi, n_z): a positive integer. 100000 per ring or row is far beyond
/// any tracker (ATLAS ITk's largest ring has a few hundred), and keeps the detector's module
/// tables (n_phi x n_z per layer) small enough to build.
int moduleCount(const YamlNode& n) {
  const double v = n.asDouble();
  if (!(v >= 1 && v <= 100000) || v != std::floor(v))
    throw n.error("must be an integer in [1, 100000], got " + n.asString());
  return static_cast<int>(v);
}

SurfaceKind surfaceKind(const YamlNode& n) {
  const std::string t = n.asString();
  if (t == "cylinder" || t == "barrel") return SurfaceKind::Cylinder;
  if (t == "disk" || t == "endcap") return SurfaceKind::Disk;
  throw n.error("expected barrel/cylinder or endcap/disk, got '" + t + "'");
}

ModuleType parseModuleType(const std::string& name, const YamlNode& n) {
  n.allowOnly({"width", "length", "thickness_x0", "pitch_u", "pitch_v", "sigma_u", "sigma_v",
               "stereo_angle", "stereo_gap"});
  ModuleType t;
  t.name = name;
  t.width = positive(n["width"]);
  t.length = positive(n["length"]);
  t.thickness_x0 = n.get("thickness_x0", 0.0);
  if (t.thickness_x0 < 0 || t.thickness_x0 > 1) throw n["thickness_x0"].error("must be in [0, 1]");
  t.pitch_u = positive(n["pitch_u"]);
  t.pitch_v = positive(n["pitch_v"]);
  t.sigma_u = n.has("sigma_u") ? positive(n["sigma_u"]) : t.pitch_u / std::sqrt(12.0);
  t.sigma_v = n.has("sigma_v") ? positive(n["sigma_v"]) : t.pitch_v / std::sqrt(12.0);
  t.stereo_angle = n.get("stereo_angle", 0.0);
  t.stereo_gap = n.get("stereo_gap", 0.0);
  if (t.stereo_angle < 0 || t.stereo_angle >= 1.5) throw n["stereo_angle"].error("must be in [0, 1.5) rad");
  return t;
}

/// The `modules` value that means the TrackML module table compiled into efgnn.
constexpr const char* kBuiltinModules = "trackml";

bool isModuleTable(const std::string& path) {
  const auto ends = [&](const std::string& tail) {
    return path.size() >= tail.size() && path.compare(path.size() - tail.size(), tail.size(), tail) == 0;
  };
  return ends(".csv") || ends(".csv.gz");
}

/// The YAML text with its top-level `modules:` line naming `value` instead.
std::string withModules(const std::string& yaml, const std::string& value) {
  static const std::regex line("^modules:.*$", std::regex::multiline);
  if (!std::regex_search(yaml, line)) throw Error("detector description without a top-level 'modules:' line");
  return std::regex_replace(yaml, line, "modules: " + value);
}

PlacedModules placedModules(const YamlNode& root, const std::filesystem::path& base_dir, const std::string& source) {
  std::map<std::int32_t, double> material;
  const YamlNode table = root["material"];
  for (const auto& key : table.keys()) {
    std::int32_t volume = 0;
    try {
      std::size_t used = 0;
      volume = std::stoi(key, &used);
      if (used != key.size()) throw std::invalid_argument(key);
    } catch (const std::exception&) {
      throw table.error("key '" + key + "' is not a volume id");
    }
    const double x0 = table[key].asDouble();
    if (!(x0 >= 0 && x0 <= 1)) throw table[key].error("must be in [0, 1] radiation lengths");
    material[volume] = x0;
  }
  const std::string modules = root["modules"].asString();
  const std::string material_source = source + ": material";
  if (modules == kBuiltinModules)
    return parseTrackMLDetectorCsv(io::gunzipMaybe(builtinTrackMLDetectorCsvGz(), "built-in TrackML detectors.csv"),
                                   "built-in TrackML detectors.csv", material, material_source);
  std::filesystem::path file(modules);
  if (file.is_relative() && !base_dir.empty()) file = base_dir / file;
  if (!std::filesystem::exists(file)) throw root["modules"].error("no such file: " + file.string());
  return parseTrackMLDetectorCsv(io::readMaybeGzipped(file), file.string(), material, material_source);
}

}  // namespace

std::vector<std::string> detectorPresets() { return {"trackml", "itk"}; }

std::string detectorPresetText(const std::string& name) {
  if (name == "trackml") return kTrackmlDetectorYaml;
  if (name == "itk") return kItkDetectorYaml;
  throw Error("unknown detector preset '" + name + "' (presets: trackml, itk; or a YAML file)");
}

Detector loadDetector(const std::string& presetOrPath) {
  for (const auto& p : detectorPresets())
    if (presetOrPath == p) return parseDetector(detectorPresetText(p), p + " (built-in preset)");
  if (!std::filesystem::exists(presetOrPath))
    throw Error("detector '" + presetOrPath +
                "': neither a preset (trackml, itk) nor an existing YAML or detectors.csv file");
  if (isModuleTable(presetOrPath))
    return parseDetector(withModules(detectorPresetText("trackml"), std::filesystem::absolute(presetOrPath).string()),
                         presetOrPath + " (with the trackml preset's material)");
  return parseDetector(readFile(presetOrPath), presetOrPath, std::filesystem::path(presetOrPath).parent_path());
}

DetectorFiles detectorFilesOf(const std::string& presetOrPath) {
  for (const auto& p : detectorPresets())
    if (presetOrPath == p) return {detectorPresetText(p), {}, {}};
  const auto copyName = [](const std::filesystem::path& file) {
    return file.extension() == ".gz" ? std::string("detectors.csv.gz") : std::string("detectors.csv");
  };
  if (isModuleTable(presetOrPath)) {
    const std::filesystem::path file(presetOrPath);
    return {withModules(detectorPresetText("trackml"), copyName(file)), file, copyName(file)};
  }
  const std::string text = readFile(presetOrPath);
  const YamlNode root = YamlNode::parse(text, presetOrPath);
  const auto modules = root.isMap() ? root.optional("modules") : std::nullopt;
  if (!modules || modules->asString() == kBuiltinModules) return {text, {}, {}};
  std::filesystem::path file(modules->asString());
  if (file.is_relative()) file = std::filesystem::path(presetOrPath).parent_path() / file;
  return {withModules(text, copyName(file)), file, copyName(file)};
}

Detector parseDetector(const std::string& yaml, const std::string& source, const std::filesystem::path& base_dir) {
  const YamlNode root = YamlNode::parse(yaml, source);
  if (!root.isMap()) throw root.error("a detector description must be a YAML map");
  const bool placed = root.has("modules");
  if (placed)
    root.allowOnly({"name", "bfield", "hit_efficiency", "noise_hits_per_module", "passive", "modules", "material"});
  else
    root.allowOnly({"name", "bfield", "hit_efficiency", "noise_hits_per_module", "passive",
                    "module_types", "volumes"});
  Detector::Config config;
  config.name = root["name"].asString();
  config.bfield = root.get("bfield", 2.0);
  config.hit_efficiency = root.get("hit_efficiency", 1.0);
  if (config.hit_efficiency < 0 || config.hit_efficiency > 1)
    throw root["hit_efficiency"].error("must be in [0, 1]");
  config.noise_hits_per_module = root.get("noise_hits_per_module", 0.0);
  if (config.noise_hits_per_module < 0 || config.noise_hits_per_module > Detector::kMaxNoiseHitsPerModule)
    throw root["noise_hits_per_module"].error("must be in [0, 10] (mean random hits per module and event), got " +
                                              root["noise_hits_per_module"].asString());

  std::vector<PassiveSurface> passive;
  if (const auto p = root.optional("passive"))
    for (std::size_t i = 0; i < p->size(); ++i) {
      const YamlNode n = p->at(i);
      n.allowOnly({"type", "radius", "z", "min", "max", "thickness_x0"});
      PassiveSurface s;
      s.kind = surfaceKind(n["type"]);
      s.position = s.kind == SurfaceKind::Cylinder ? positive(n["radius"]) : n["z"].asDouble();
      s.min = n["min"].asDouble();
      s.max = n["max"].asDouble();
      if (s.max <= s.min) throw n["max"].error("must exceed min");
      s.thickness_x0 = n["thickness_x0"].asDouble();
      passive.push_back(s);
    }

  if (placed) {
    PlacedModules placed_modules = placedModules(root, base_dir, source);
    try {
      return Detector::fromPlacedModules(config, std::move(placed_modules.types), std::move(placed_modules.modules),
                                         std::move(passive));
    } catch (const Error& e) {
      throw Error(source + ": " + e.what());
    }
  }

  std::vector<ModuleType> types;
  std::map<std::string, std::uint32_t> type_index;
  const YamlNode types_node = root["module_types"];
  for (const auto& name : types_node.keys()) {
    type_index[name] = static_cast<std::uint32_t>(types.size());
    types.push_back(parseModuleType(name, types_node[name]));
  }
  const auto lookupType = [&](const YamlNode& n) {
    const auto it = type_index.find(n.asString());
    if (it == type_index.end()) throw n.error("unknown module type '" + n.asString() + "'");
    return it->second;
  };

  std::vector<LayerSpec> layers;
  const YamlNode volumes = root["volumes"];
  for (std::size_t v = 0; v < volumes.size(); ++v) {
    const YamlNode vol = volumes.at(v);
    vol.allowOnly({"id", "type", "module_type", "half_length", "n_z", "rings", "layers", "stagger"});
    LayerSpec base;
    base.volume_id = static_cast<std::int32_t>(vol["id"].asInt());
    base.kind = surfaceKind(vol["type"]);
    const auto parseRings = [](const YamlNode& rings) {
      std::vector<LayerSpec::Ring> out;
      for (std::size_t r = 0; r < rings.size(); ++r) {
        const YamlNode ring = rings.at(r);
        ring.allowOnly({"radius", "n_phi"});
        out.push_back({positive(ring["radius"]), moduleCount(ring["n_phi"])});
      }
      return out;
    };
    const YamlNode lays = vol["layers"];
    for (std::size_t l = 0; l < lays.size(); ++l) {
      const YamlNode lay = lays.at(l);
      lay.allowOnly({"id", "radius", "z", "n_phi", "n_z", "half_length", "rings", "module_type",
                     "stagger"});
      LayerSpec spec = base;
      spec.layer_id = static_cast<std::int32_t>(lay["id"].asInt());
      spec.type_index = lookupType(lay.has("module_type") ? lay["module_type"] : vol["module_type"]);
      spec.stagger = lay.has("stagger") ? lay["stagger"].asDouble() : vol.get("stagger", 2.0);
      if (spec.kind == SurfaceKind::Cylinder) {
        spec.position = positive(lay["radius"]);
        spec.half_length = positive(lay.has("half_length") ? lay["half_length"] : vol["half_length"]);
        spec.n_phi = moduleCount(lay["n_phi"]);
        spec.n_z = moduleCount(lay.has("n_z") ? lay["n_z"] : vol["n_z"]);
        if (spec.n_z * types[spec.type_index].length < 2 * spec.half_length)
          throw lay.error("n_z modules of length " + std::to_string(types[spec.type_index].length) +
                          " mm do not cover the half length");
      } else {
        spec.position = lay["z"].asDouble();
        spec.rings = parseRings(lay.has("rings") ? lay["rings"] : vol["rings"]);
      }
      layers.push_back(spec);
    }
  }
  try {
    return Detector::build(config, std::move(types), layers, std::move(passive));
  } catch (const Error& e) {
    throw Error(source + ": " + e.what());
  }
}

}  // namespace efgnn
