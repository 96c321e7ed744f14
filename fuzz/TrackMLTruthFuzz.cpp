// libFuzzer target: a TrackML truth file, read with a fixed hits file (hit_id 1 to 6) and a
// fixed particles file (particle_id 11 and 22), so that its matching to both is exercised.
#include "FuzzUtil.hpp"
#include "io/TrackMLCsv.hpp"

namespace {

constexpr const char* kHits =
    "hit_id,x,y,z,volume_id,layer_id,module_id\n"
    "1,31.5,2.1,-10.25,8,2,101\n"
    "2,71.75,5.2,-22.5,8,4,202\n"
    "3,115.5,8.5,-36,8,6,303\n"
    "4,-30.5,12.25,40.5,8,2,111\n"
    "5,-70.125,27.5,95,8,4,212\n"
    "6,5.5,-100.5,3.25,8,6,313\n";
constexpr const char* kParticles =
    "particle_id,vx,vy,vz,px,py,pz,q,nhits\n"
    "11,0.01,-0.02,1.5,2.5,0.2,-0.8,1,3\n"
    "22,-0.03,0.01,-4.5,-1.1,0.45,1.4,-1,2\n";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto dir = [] {
    std::filesystem::create_directories(efgnn::fuzz::scratchDir() / "truth");
    efgnn::fuzz::writeScratch("truth/event000000001-hits.csv", kHits);
    efgnn::fuzz::writeScratch("truth/event000000001-particles.csv", kParticles);
    return efgnn::fuzz::scratchDir() / "truth";
  }();
  efgnn::fuzz::writeScratch("truth/event000000001-truth.csv", efgnn::fuzz::text(data, size));
  efgnn::fuzz::rejectsCleanly([&] { efgnn::readTrackMLEvent(dir, 1); });
  return 0;
}
