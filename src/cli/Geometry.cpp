// `efgnn geometry`: what a detector description contains.
#include <cstdio>
#include <map>

#include "cli/Commands.hpp"
#include "cli/Common.hpp"
#include "core/Json.hpp"
#include "geometry/DetectorConfig.hpp"

namespace efgnn::cli {

void addGeometryCommand(CLI::App& app) {
  struct Options {
    std::string detector = "trackml";
    bool json = false;
  };
  auto opt = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("geometry", "Summarise a detector: volumes, layers, modules");
  cmd->add_option("--detector", opt->detector, kDetectorHelp)->capture_default_str();
  cmd->add_flag("--json", opt->json, "One JSON object on stdout");
  cmd->callback([opt] {
    const Detector det = loadDetector(opt->detector);
    std::size_t sensors = 0;
    struct VolumeSummary {
      std::size_t layers = 0, modules = 0;
      const char* kind = "";
      double min = 1e30, max = -1e30;
    };
    std::map<int, VolumeSummary> volumes;
    for (const Layer& l : det.layers) {
      auto& v = volumes[l.volume_id];
      v.layers += 1;
      v.modules += l.n_modules;
      v.kind = l.kind == SurfaceKind::Cylinder ? "barrel" : "endcap";
      v.min = std::min(v.min, l.position);
      v.max = std::max(v.max, l.position);
    }
    for (const Module& m : det.modules) sensors += det.typeOf(m).isStereo() ? 2 : 1;
    if (opt->json) {
      Json j = Json::object();
      j["detector"] = det.config.name;
      j["bfield_tesla"] = det.config.bfield;
      j["volumes"] = volumes.size();
      j["layers"] = det.layers.size();
      j["modules"] = det.modules.size();
      j["sensors"] = sensors;
      Json vols = Json::array();
      for (const auto& [id, v] : volumes) {
        Json o = Json::object();
        o["volume_id"] = id;
        o["type"] = v.kind;
        o["layers"] = v.layers;
        o["modules"] = v.modules;
        o[v.kind[0] == 'b' ? "radius_min_mm" : "z_min_mm"] = v.min;
        o[v.kind[0] == 'b' ? "radius_max_mm" : "z_max_mm"] = v.max;
        vols.push_back(o);
      }
      j["per_volume"] = vols;
      printJson(j);
      return;
    }
    std::printf("detector %s: B = %.1f T, %zu volumes, %zu layers, %zu modules (%zu sensors)\n",
                det.config.name.c_str(), det.config.bfield, volumes.size(), det.layers.size(),
                det.modules.size(), sensors);
    std::printf("%8s %8s %7s %8s  %s\n", "volume", "type", "layers", "modules", "positions [mm]");
    for (const auto& [id, v] : volumes)
      std::printf("%8d %8s %7zu %8zu  %s %.0f .. %.0f\n", id, v.kind, v.layers, v.modules,
                  v.kind[0] == 'b' ? "r" : "z", v.min, v.max);
  });
}

}  // namespace efgnn::cli
