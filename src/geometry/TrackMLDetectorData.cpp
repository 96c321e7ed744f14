// The real TrackML module table, compiled in as bytes so that the `trackml` preset needs no
// file at run time. EFGNN_TRACKML_DETECTOR_CSV is the path of the shipped .csv.gz, a
// string literal (CMake).
#include <string_view>

#include "geometry/TrackMLDetectorCsv.hpp"

asm(".pushsection .rodata\n"
    ".balign 16\n"
    "efgnn_trackml_detector_csv_begin:\n"
    ".incbin \"" EFGNN_TRACKML_DETECTOR_CSV "\"\n"
    "efgnn_trackml_detector_csv_end:\n"
    ".popsection\n");

extern "C" const char efgnn_trackml_detector_csv_begin[];
extern "C" const char efgnn_trackml_detector_csv_end[];

namespace efgnn {

std::string_view builtinTrackMLDetectorCsvGz() {
  return {efgnn_trackml_detector_csv_begin,
          static_cast<std::size_t>(efgnn_trackml_detector_csv_end - efgnn_trackml_detector_csv_begin)};
}

}  // namespace efgnn
