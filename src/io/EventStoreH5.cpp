#include "io/EventStoreH5.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <string_view>
#include <type_traits>

#include "core/Error.hpp"
#include "io/EventFields.hpp"
#include "io/H5File.hpp"

namespace efgnn {

namespace fs = std::filesystem;
using namespace io;

namespace {

constexpr const char* kFormat = "efgnn-events";

// Stored column types: bool as u8 and enums as their integer, as h5py users expect.
template <class T>
struct StoredType {
  using type = T;
};
template <>
struct StoredType<bool> {
  using type = std::uint8_t;
};
template <>
struct StoredType<Process> {
  using type = std::underlying_type_t<Process>;
};
template <class T>
using Stored = typename StoredType<T>::type;

/// A stored value back as the field type; nullopt when it is not a valid one.
template <class T>
std::optional<T> fromStored(Stored<T> v) {
  if constexpr (std::is_same_v<T, bool>) {
    if (v > 1) return std::nullopt;
    return v == 1;
  } else if constexpr (std::is_same_v<T, Process>) {
    const auto p = static_cast<Process>(v);
    if (!isProcess(p)) return std::nullopt;
    return p;
  } else {
    return v;
  }
}

// ---- writing ----

/// One dataset per field, one entry per record.
template <class Record, class Fields>
void writeFields(const h5::Group& group, const Fields& fields, const std::vector<Record>& records) {
  forEachField(fields, [&](const auto& f) {
    using T = Stored<FieldType<Record, decltype(f)>>;
    std::vector<T> column(records.size());
    for (std::size_t i = 0; i < records.size(); ++i) column[i] = static_cast<T>(f.get(records[i]));
    group.writeDataset(std::string(f.name), column);
  });
}

void writeClusters(const h5::Group& group, const std::vector<SpacePoint>& hits) {
  std::vector<std::uint8_t> has(hits.size());
  for (std::size_t i = 0; i < hits.size(); ++i) has[i] = hits[i].clusters.has_value();
  group.writeDataset("has_clusters", has);
  std::vector<float> column(hits.size());
  for (std::size_t k = 0; k < kClusterColumns; ++k) {
    for (std::size_t i = 0; i < hits.size(); ++i)
      column[i] = hits[i].clusters ? clusterCoordinate(*hits[i].clusters, k) : 0.f;
    group.writeDataset(clusterColumn(k), column);
  }
}

void writeEvent(const h5::Group& root, const Event& event) {
  const h5::Group group = root.createGroup(eventStem(event.event_id));
  group.writeAttribute("event_id", event.event_id);
  {
    const h5::Group hits = group.createGroup("hits");
    writeFields(hits, kHitFields, event.hits);
    if (anyClusters(event.hits)) writeClusters(hits, event.hits);
    if (event.hasCells()) writeFields(hits, kCellFields, event.cells);
  }
  if (event.hasTruth()) writeFields(group.createGroup("truth"), kTruthFields, event.truth);
  writeFields(group.createGroup("particles"), kParticleFields, event.particles);
}

// ---- reading ----

/// Records from one dataset per field; the first field sets the length unless `length` is
/// given.
template <class Record, class Fields>
std::vector<Record> readFields(const h5::Group& group, const Fields& fields,
                               std::size_t length = h5::kAny) {
  std::vector<Record> records;
  forEachField(fields, [&](const auto& f) {
    using T = FieldType<Record, decltype(f)>;
    const std::string name(f.name);
    const auto column = group.readDataset<Stored<T>>(name, length);
    length = column.size();
    records.resize(length);
    for (std::size_t i = 0; i < length; ++i) {
      const auto value = fromStored<T>(column[i]);
      if (!value)
        throw group.datasetError(name, "entry " + std::to_string(i) + ": invalid value " +
                                           std::to_string(+column[i]));
      f.get(records[i]) = *value;
    }
  });
  return records;
}

void readClusters(const h5::Group& group, std::vector<SpacePoint>& hits) {
  if (!group.contains("has_clusters")) return;
  const auto has = group.readDataset<std::uint8_t>("has_clusters", hits.size());
  for (std::size_t i = 0; i < hits.size(); ++i)
    if (has[i]) hits[i].clusters.emplace();
  for (std::size_t k = 0; k < kClusterColumns; ++k) {
    const auto column = group.readDataset<float>(clusterColumn(k), hits.size());
    for (std::size_t i = 0; i < hits.size(); ++i)
      if (hits[i].clusters) clusterCoordinate(*hits[i].clusters, k) = column[i];
  }
}

/// The optional cells summary of the hits group (both datasets or none; files written before it
/// existed have none).
std::vector<HitCells> readCells(const h5::Group& group, std::size_t num_hits) {
  bool any = false;
  forEachField(kCellFields, [&](const auto& f) { any = any || group.contains(std::string(f.name)); });
  if (!any) return {};
  return readFields<HitCells>(group, kCellFields, num_hits);
}

/// Opens an efgnn event store read-only after checking its format and version.
h5::Group openStore(const fs::path& path) {
  h5::Group file = h5::openFile(path);
  h5::readFormat(file, kFormat, kEventStoreVersion);
  return file;
}

}  // namespace

std::string eventStoreFileName(std::uint64_t first_event_id) { return eventStem(first_event_id) + ".h5"; }

void writeEventsH5(const std::vector<Event>& events, const fs::path& file,
                   const std::string& detector) {
  std::set<std::uint64_t> ids;
  for (const auto& event : events) {
    event.validate(file.string());
    if (!ids.insert(event.event_id).second)
      throw Error(file.string() + ": event " + std::to_string(event.event_id) + " given twice");
  }
  const auto lock = h5::lockHdf5();
  h5::NewFile out(file);
  h5::writeFormat(out.root(), kFormat, kEventStoreVersion);
  out.root().writeAttribute("detector", detector);
  for (const auto& event : events) writeEvent(out.root(), event);
  out.commit();
}

std::vector<std::uint64_t> listEventsH5(const fs::path& path) {
  const auto lock = h5::lockHdf5();
  const h5::Group file = openStore(path);
  std::vector<std::uint64_t> ids;
  for (const auto& name : file.names()) {
    if (!name.starts_with("event")) continue;  // leave room for what others add with h5py
    const h5::Group group = file.openGroup(name);
    const auto id = group.readAttribute<std::uint64_t>("event_id");
    if (eventStem(id) != name)
      throw group.where().error("", "attribute 'event_id' is " + std::to_string(id) +
                                        ", which does not match the group name");
    ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

Event readEventH5(const fs::path& path, std::uint64_t event_id) {
  const auto lock = h5::lockHdf5();
  const h5::Group file = openStore(path);
  const std::string name = eventStem(event_id);
  if (!file.contains(name))
    throw Error(path.string() + ": no event " + std::to_string(event_id) + " (no group '" + name +
                "')");
  const h5::Group group = file.openGroup(name);

  Event event;
  event.event_id = event_id;
  {
    const h5::Group hits = group.openGroup("hits");
    event.hits = readFields<SpacePoint>(hits, kHitFields);
    readClusters(hits, event.hits);
    event.cells = readCells(hits, event.hits.size());
  }
  if (group.contains("truth"))
    event.truth = readFields<HitTruth>(group.openGroup("truth"), kTruthFields, event.hits.size());
  event.particles = readFields<Particle>(group.openGroup("particles"), kParticleFields);
  event.validate(path.string());
  return event;
}

std::string detectorOfH5(const fs::path& path) {
  const auto lock = h5::lockHdf5();
  return openStore(path).readAttribute<std::string>("detector");
}

}  // namespace efgnn
