#include "io/EventSource.hpp"

#include <algorithm>

#include "core/Error.hpp"
#include "io/EventStoreH5.hpp"
#include "io/TrackMLCsv.hpp"

namespace efgnn {

namespace fs = std::filesystem;

namespace {

bool isStore(const fs::path& p) { return p.extension() == ".h5"; }

}  // namespace

EventDirectory::EventDirectory(fs::path path) : path_(std::move(path)) {
  std::error_code ec;
  const auto addStore = [&](const fs::path& file) {
    for (const auto id : listEventsH5(file)) entries_.push_back({id, file});
  };
  if (fs::is_regular_file(path_, ec) && isStore(path_)) {
    addStore(path_);
  } else if (fs::is_directory(path_, ec)) {
    for (const auto id : listTrackMLEvents(path_)) entries_.push_back({id, {}});
    std::vector<fs::path> stores;
    for (const auto& entry : fs::directory_iterator(path_, ec))
      if (entry.is_regular_file() && isStore(entry.path())) stores.push_back(entry.path());
    if (ec) throw Error(path_.string() + ": cannot list directory: " + ec.message());
    std::sort(stores.begin(), stores.end());
    for (const auto& store : stores) addStore(store);
  } else {
    throw Error(path_.string() + ": neither a directory of events nor an .h5 event store");
  }
  if (entries_.empty()) throw Error("no events in " + path_.string());

  std::stable_sort(entries_.begin(), entries_.end(),
                   [](const Entry& a, const Entry& b) { return a.event_id < b.event_id; });
  const auto source = [&](const Entry& e) {
    return e.h5_file.empty() ? (path_ / eventStem(e.event_id)).string() + "-*.csv"
                             : e.h5_file.string();
  };
  const auto dup =
      std::adjacent_find(entries_.begin(), entries_.end(),
                         [](const Entry& a, const Entry& b) { return a.event_id == b.event_id; });
  if (dup != entries_.end())
    throw Error("event " + std::to_string(dup->event_id) + " is in both " + source(*dup) + " and " +
                source(*(dup + 1)));
}

Event EventDirectory::read(std::size_t i) const {
  const Entry& e = entries_.at(i);
  return e.h5_file.empty() ? readTrackMLEvent(path_, e.event_id)
                           : readEventH5(e.h5_file, e.event_id);
}

}  // namespace efgnn
