#pragma once
// Reading events from a directory whatever its format: TrackML CSV file sets and/or efgnn HDF5
// stores (*.h5). Used by every command that takes --events DIR.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/Event.hpp"

namespace efgnn {

class EventDirectory {
 public:
  /// Scans `path`: a directory of CSV/HDF5 events, or a single .h5 file. Throws Error if there
  /// is none, or when one event id is in two places.
  explicit EventDirectory(std::filesystem::path path);
  std::size_t size() const { return entries_.size(); }
  std::uint64_t eventId(std::size_t i) const { return entries_[i].event_id; }
  /// Reads the i-th event (sorted by event id). Thread-safe.
  Event read(std::size_t i) const;

 private:
  struct Entry {
    std::uint64_t event_id;
    std::filesystem::path h5_file;  // empty for CSV
  };
  std::filesystem::path path_;
  std::vector<Entry> entries_;
};

}  // namespace efgnn
