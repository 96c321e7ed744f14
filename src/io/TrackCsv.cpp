#include "io/TrackCsv.hpp"

#include <sstream>

#include "core/AtomicFile.hpp"
#include "core/Event.hpp"
#include "io/CsvTable.hpp"

namespace efgnn {

std::string tracksFileName(std::uint64_t event_id) { return eventStem(event_id) + "-tracks.csv"; }

void writeTracksCsv(const std::filesystem::path& file, const std::vector<std::vector<std::uint32_t>>& tracks,
                    const std::vector<std::uint64_t>& hit_id) {
  std::ostringstream csv;
  csv << "track_id,hit_id\n";
  for (std::size_t t = 0; t < tracks.size(); ++t)
    for (const auto n : tracks[t]) csv << t << ',' << hit_id.at(n) << '\n';
  writeFileAtomically(file, csv.str());
}

std::vector<std::vector<std::uint64_t>> readTracksCsv(const std::filesystem::path& file) {
  const io::CsvTable table = io::CsvTable::read(file);
  const std::size_t track_col = table.column("track_id"), hit_col = table.column("hit_id");
  std::vector<std::vector<std::uint64_t>> tracks;
  for (std::size_t row = 0; row < table.rows(); ++row) {
    const auto t = table.get<std::uint64_t>(row, track_col);
    // writeTracksCsv numbers tracks 0, 1, ... in order; anything else is not its file.
    if (t != tracks.size() && t + 1 != tracks.size())
      throw table.error(row, track_col,
                        "track " + std::to_string(t) +
                            (tracks.empty() ? " first" : " after track " + std::to_string(tracks.size() - 1)) +
                            " (tracks are numbered 0, 1, ... in order)");
    if (t == tracks.size()) tracks.emplace_back();
    tracks.back().push_back(table.get<std::uint64_t>(row, hit_col));
  }
  return tracks;
}

}  // namespace efgnn
