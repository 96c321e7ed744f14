// Runs the installed pipeline on every event of a directory, and again on the same hits handed
// over as bare arrays; exits 0 when both give the same, non-empty tracks.
// Usage: consumer MODULE_MAP MODEL EVENTS_DIR
#include <cstdio>
#include <exception>
#include <memory>
#include <vector>

#include "geometry/DetectorConfig.hpp"
#include "pipeline/Pipeline.hpp"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s MODULE_MAP MODEL EVENTS_DIR\n", argv[0]);
    return 2;
  }
  try {
    efgnn::Pipeline::Files files;
    files.detector = std::make_shared<const efgnn::Detector>(efgnn::loadDetector("trackml"));
    files.module_map = argv[1];
    files.model = argv[2];
    files.pipeline.event_threads = 2;
    const efgnn::Pipeline chain = efgnn::Pipeline::fromFiles(files);
    const efgnn::EventDirectory events(argv[3]);
    std::size_t edges = 0, tracks = 0, differing = 0;
    chain.run(events, argv[3], [&](std::size_t, const efgnn::Event& event, efgnn::PipelineResult& r) {
      edges += r.graph.numEdges();
      tracks += r.tracks.size();
      std::vector<float> x, y, z;
      std::vector<std::int32_t> volume, layer, module;
      for (const auto& h : event.hits) {
        x.push_back(h.x), y.push_back(h.y), z.push_back(h.z);
        volume.push_back(h.volume_id), layer.push_back(h.layer_id), module.push_back(h.module_id);
      }
      const auto again = chain.run(efgnn::eventOf({x, y, z, volume, layer, module}, event.event_id), "arrays");
      if (again.tracks != r.tracks) ++differing;
    });
    std::printf("{\"events\": %zu, \"edges\": %zu, \"tracks\": %zu, \"differing_events\": %zu}\n", events.size(),
                edges, tracks, differing);
    return edges > 0 && tracks > 0 && differing == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "consumer: %s\n", e.what());
    return 1;
  }
}
