#include "io/EventStoreH5.hpp"

#include <hdf5.h>

#include <algorithm>
#include <mutex>
#include <optional>
#include <set>
#include <string_view>
#include <type_traits>
#include <utility>

#include "core/AtomicFile.hpp"
#include "core/Error.hpp"
#include "io/EventFields.hpp"

namespace efgnn {

namespace fs = std::filesystem;
using namespace io;

namespace {

constexpr std::string_view kFormat = "efgnn-events";
constexpr std::size_t kUnknownLength = static_cast<std::size_t>(-1);

/// The Debian HDF5 library is built without thread safety: every HDF5 call of the process goes
/// through this lock (they are all in this file). Taking it also silences HDF5's own printing of
/// its error stack, per thread as a thread-safe build would need; failures become efgnn::Error.
class Hdf5Lock {
 public:
  Hdf5Lock() : lock_(mutex()) { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

 private:
  static std::mutex& mutex() {
    static std::mutex m;
    return m;
  }
  std::lock_guard<std::mutex> lock_;
};

/// Owns an HDF5 identifier (file, group, dataset, attribute, dataspace, type or property list).
class Handle {
 public:
  Handle() = default;
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  Handle(Handle&& o) noexcept : id_(std::exchange(o.id_, -1)), close_(o.close_) {}
  Handle& operator=(Handle&& o) noexcept {
    std::swap(id_, o.id_);
    std::swap(close_, o.close_);
    return *this;
  }
  ~Handle() { close(); }
  hid_t get() const { return id_; }
  /// Closes now; negative on failure (for a file: the data may not have been written).
  herr_t close() { return id_ >= 0 ? close_(std::exchange(id_, -1)) : 0; }

 private:
  hid_t id_ = -1;
  herr_t (*close_)(hid_t) = nullptr;
};

/// The innermost message on HDF5's error stack: says why the last call failed.
std::string hdf5Reason() {
  std::string reason;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned n, const H5E_error2_t* e, void* out) -> herr_t {
        if (n == 0 && e->desc) *static_cast<std::string*>(out) = e->desc;
        return 0;
      },
      &reason);
  return reason;
}

/// Where in a file we are, for error messages: "FILE: group 'G', dataset 'D': what".
struct Where {
  std::string file;
  std::string group;  // empty for the root

  Error error(std::string_view object, const std::string& what) const {
    std::string msg = file + ": ";
    if (!group.empty()) msg += "group '" + group + "'" + (object.empty() ? ": " : ", ");
    if (!object.empty()) msg += std::string(object) + ": ";
    return Error(msg + what);
  }
  /// Throws when an HDF5 call returned a negative id or status, appending HDF5's reason.
  template <class Id>
  Id check(Id id, std::string_view object, const std::string& what) const {
    if (id < 0) {
      const std::string reason = hdf5Reason();
      throw error(object, what + (reason.empty() ? "" : " (HDF5: " + reason + ")"));
    }
    return id;
  }
  Where sub(const std::string& name) const {
    return {file, group.empty() ? name : group + "/" + name};
  }
};

std::string datasetName(std::string_view name) { return "dataset '" + std::string(name) + "'"; }
std::string attributeName(std::string_view name) { return "attribute '" + std::string(name) + "'"; }

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

/// (file type, memory type) of a stored column type; little-endian in the file like h5py.
template <class T>
std::pair<hid_t, hid_t> hdf5Types() {
  if constexpr (std::is_same_v<T, std::uint64_t>)
    return {H5T_STD_U64LE, H5T_NATIVE_UINT64};
  else if constexpr (std::is_same_v<T, std::int32_t>)
    return {H5T_STD_I32LE, H5T_NATIVE_INT32};
  else if constexpr (std::is_same_v<T, std::uint32_t>)
    return {H5T_STD_U32LE, H5T_NATIVE_UINT32};
  else if constexpr (std::is_same_v<T, std::uint8_t>)
    return {H5T_STD_U8LE, H5T_NATIVE_UINT8};
  else if constexpr (std::is_same_v<T, float>)
    return {H5T_IEEE_F32LE, H5T_NATIVE_FLOAT};
  else {
    static_assert(std::is_same_v<T, double>);
    return {H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE};
  }
}

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

/// Creation properties without modification times: HDF5 records them by default, and they
/// would make two runs with the same seed write different bytes.
Handle untimedCreation(hid_t property_class, const Where& where) {
  Handle plist(where.check(H5Pcreate(property_class), "property list", "cannot create"), H5Pclose);
  where.check(H5Pset_obj_track_times(plist.get(), false), "property list", "cannot set");
  return plist;
}

Handle createGroup(hid_t parent, const Where& where, const std::string& name) {
  const Handle gcpl = untimedCreation(H5P_GROUP_CREATE, where);
  return {where.check(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT),
                      "group '" + name + "'", "cannot create"),
          H5Gclose};
}

template <class T>
void writeAttribute(hid_t object, const Where& where, const char* name, const T& value) {
  const std::string what = attributeName(name);
  Handle space(where.check(H5Screate(H5S_SCALAR), what, "cannot create dataspace"), H5Sclose);
  if constexpr (std::is_same_v<T, std::string>) {
    // Variable-length UTF-8: h5py returns it as str.
    Handle type(where.check(H5Tcopy(H5T_C_S1), what, "cannot create type"), H5Tclose);
    H5Tset_size(type.get(), H5T_VARIABLE);
    H5Tset_cset(type.get(), H5T_CSET_UTF8);
    Handle attr(
        where.check(H5Acreate2(object, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
                    what, "cannot create"),
        H5Aclose);
    const char* data = value.c_str();
    where.check(H5Awrite(attr.get(), type.get(), &data), what, "cannot write");
  } else {
    const auto [file_type, memory_type] = hdf5Types<T>();
    Handle attr(
        where.check(H5Acreate2(object, name, file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                    what, "cannot create"),
        H5Aclose);
    where.check(H5Awrite(attr.get(), memory_type, &value), what, "cannot write");
  }
}

template <class T>
void writeDataset(hid_t group, const Where& where, std::string_view name,
                  const std::vector<T>& values) {
  const std::string what = datasetName(name);
  const hsize_t size = values.size();
  Handle space(where.check(H5Screate_simple(1, &size, nullptr), what, "cannot create dataspace"),
               H5Sclose);
  const auto [file_type, memory_type] = hdf5Types<T>();
  const Handle dcpl = untimedCreation(H5P_DATASET_CREATE, where);
  Handle dataset(where.check(H5Dcreate2(group, std::string(name).c_str(), file_type, space.get(),
                                        H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                             what, "cannot create"),
                 H5Dclose);
  if (!values.empty())
    where.check(H5Dwrite(dataset.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
                what, "cannot write");
}

/// One dataset per field, one entry per record.
template <class Record, class Fields>
void writeFields(hid_t group, const Where& where, const Fields& fields,
                 const std::vector<Record>& records) {
  forEachField(fields, [&](const auto& f) {
    using T = Stored<FieldType<Record, decltype(f)>>;
    std::vector<T> column(records.size());
    for (std::size_t i = 0; i < records.size(); ++i) column[i] = static_cast<T>(f.get(records[i]));
    writeDataset(group, where, f.name, column);
  });
}

void writeClusters(hid_t group, const Where& where, const std::vector<SpacePoint>& hits) {
  std::vector<std::uint8_t> has(hits.size());
  for (std::size_t i = 0; i < hits.size(); ++i) has[i] = hits[i].clusters.has_value();
  writeDataset(group, where, "has_clusters", has);
  std::vector<float> column(hits.size());
  for (std::size_t k = 0; k < kClusterColumns; ++k) {
    for (std::size_t i = 0; i < hits.size(); ++i)
      column[i] = hits[i].clusters ? clusterCoordinate(*hits[i].clusters, k) : 0.f;
    writeDataset(group, where, clusterColumn(k), column);
  }
}

void writeEvent(hid_t file, const Where& root, const Event& event) {
  const std::string name = eventStem(event.event_id);
  const Where where = root.sub(name);
  Handle group = createGroup(file, root, name);
  writeAttribute(group.get(), where, "event_id", event.event_id);

  Handle hits = createGroup(group.get(), where, "hits");
  writeFields(hits.get(), where.sub("hits"), kHitFields, event.hits);
  if (anyClusters(event.hits)) writeClusters(hits.get(), where.sub("hits"), event.hits);
  if (event.hasTruth()) {
    Handle truth = createGroup(group.get(), where, "truth");
    writeFields(truth.get(), where.sub("truth"), kTruthFields, event.truth);
  }
  Handle particles = createGroup(group.get(), where, "particles");
  writeFields(particles.get(), where.sub("particles"), kParticleFields, event.particles);
}

// ---- reading ----

bool exists(hid_t parent, const std::string& name) {
  return H5Lexists(parent, name.c_str(), H5P_DEFAULT) > 0;
}

Handle openGroup(hid_t parent, const Where& where, const std::string& name) {
  if (!exists(parent, name)) throw where.error("group '" + name + "'", "missing");
  return {where.check(H5Gopen2(parent, name.c_str(), H5P_DEFAULT), "group '" + name + "'",
                      "cannot open"),
          H5Gclose};
}

Handle openAttribute(hid_t object, const Where& where, const char* name) {
  const std::string what = attributeName(name);
  if (H5Aexists(object, name) <= 0) throw where.error(what, "missing");
  return {where.check(H5Aopen(object, name, H5P_DEFAULT), what, "cannot open"), H5Aclose};
}

/// A scalar attribute, integer or string (fixed or variable length, as h5py may write either).
template <class T>
T readAttribute(hid_t object, const Where& where, const char* name) {
  const std::string what = attributeName(name);
  Handle attr = openAttribute(object, where, name);
  Handle type(where.check(H5Aget_type(attr.get()), what, "cannot read type"), H5Tclose);
  Handle space(where.check(H5Aget_space(attr.get()), what, "cannot read dataspace"), H5Sclose);
  if (H5Sget_simple_extent_npoints(space.get()) != 1) throw where.error(what, "not a scalar");
  if constexpr (std::is_same_v<T, std::string>) {
    if (H5Tget_class(type.get()) != H5T_STRING) throw where.error(what, "not a string");
    if (H5Tis_variable_str(type.get()) > 0) {
      char* data = nullptr;
      where.check(H5Aread(attr.get(), type.get(), &data), what, "cannot read");
      std::string value = data ? data : "";
      H5free_memory(data);
      return value;
    }
    std::string value(H5Tget_size(type.get()), '\0');
    where.check(H5Aread(attr.get(), type.get(), value.data()), what, "cannot read");
    value.resize(value.find('\0') == std::string::npos ? value.size() : value.find('\0'));
    return value;
  } else {
    if (H5Tget_class(type.get()) != H5T_INTEGER) throw where.error(what, "not an integer");
    T value{};
    where.check(H5Aread(attr.get(), hdf5Types<T>().second, &value), what, "cannot read");
    return value;
  }
}

/// A one-dimensional dataset of `expected` entries (any number when kUnknownLength); HDF5
/// converts between integer widths or float precisions, but not between classes.
template <class T>
std::vector<T> readDataset(hid_t group, const Where& where, std::string_view name,
                           std::size_t expected) {
  const std::string what = datasetName(name);
  if (!exists(group, std::string(name))) throw where.error(what, "missing");
  Handle dataset(
      where.check(H5Dopen2(group, std::string(name).c_str(), H5P_DEFAULT), what, "cannot open"),
      H5Dclose);
  Handle type(where.check(H5Dget_type(dataset.get()), what, "cannot read type"), H5Tclose);
  const H5T_class_t expected_class = std::is_floating_point_v<T> ? H5T_FLOAT : H5T_INTEGER;
  if (H5Tget_class(type.get()) != expected_class)
    throw where.error(what, std::is_floating_point_v<T> ? "not floating point" : "not integer");
  Handle space(where.check(H5Dget_space(dataset.get()), what, "cannot read dataspace"), H5Sclose);
  hsize_t size = 0;
  if (H5Sget_simple_extent_ndims(space.get()) != 1) throw where.error(what, "not one-dimensional");
  H5Sget_simple_extent_dims(space.get(), &size, nullptr);
  if (expected != kUnknownLength && size != expected)
    throw where.error(what, "has " + std::to_string(size) + " entries, the others have " +
                                std::to_string(expected));
  std::vector<T> values(size);
  if (size > 0)
    where.check(
        H5Dread(dataset.get(), hdf5Types<T>().second, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
        what, "cannot read (corrupt file?)");
  return values;
}

/// Records from one dataset per field; the first field sets the length unless `length` is
/// given.
template <class Record, class Fields>
std::vector<Record> readFields(hid_t group, const Where& where, const Fields& fields,
                               std::size_t length = kUnknownLength) {
  std::vector<Record> records;
  forEachField(fields, [&](const auto& f) {
    using T = FieldType<Record, decltype(f)>;
    const auto column = readDataset<Stored<T>>(group, where, f.name, length);
    length = column.size();
    records.resize(length);
    for (std::size_t i = 0; i < length; ++i) {
      const auto value = fromStored<T>(column[i]);
      if (!value)
        throw where.error(datasetName(f.name), "entry " + std::to_string(i) + ": invalid value " +
                                                   std::to_string(+column[i]));
      f.get(records[i]) = *value;
    }
  });
  return records;
}

void readClusters(hid_t group, const Where& where, std::vector<SpacePoint>& hits) {
  if (!exists(group, "has_clusters")) return;
  const auto has = readDataset<std::uint8_t>(group, where, "has_clusters", hits.size());
  for (std::size_t i = 0; i < hits.size(); ++i)
    if (has[i]) hits[i].clusters.emplace();
  for (std::size_t k = 0; k < kClusterColumns; ++k) {
    const auto column = readDataset<float>(group, where, clusterColumn(k), hits.size());
    for (std::size_t i = 0; i < hits.size(); ++i)
      if (hits[i].clusters) clusterCoordinate(*hits[i].clusters, k) = column[i];
  }
}

/// Opens an efgnn event store read-only after checking its format and version.
Handle openStore(const fs::path& path) {
  const Where where{path.string(), ""};
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw where.error("", "no such file");
  if (H5Fis_hdf5(path.c_str()) <= 0) throw where.error("", "not an HDF5 file");
  Handle file(where.check(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "",
                          "cannot open: corrupt or truncated HDF5 file"),
              H5Fclose);
  if (H5Aexists(file.get(), "format") <= 0)
    throw where.error("", "not an efgnn event store (no 'format' attribute)");
  const auto format = readAttribute<std::string>(file.get(), where, "format");
  if (format != kFormat)
    throw where.error("", "not an efgnn event store (format '" + format + "', expected '" +
                              std::string(kFormat) + "')");
  const auto version = readAttribute<std::int32_t>(file.get(), where, "version");
  if (version > kEventStoreVersion)
    throw where.error("", "format version " + std::to_string(version) +
                              " is newer than this efgnn reads (" +
                              std::to_string(kEventStoreVersion) + "); update efgnn");
  if (version < 1) throw where.error("", "invalid format version " + std::to_string(version));
  return file;
}

}  // namespace

void writeEventsH5(const std::vector<Event>& events, const fs::path& file,
                   const std::string& detector) {
  std::set<std::uint64_t> ids;
  for (const auto& event : events) {
    event.validate(file.string());
    if (!ids.insert(event.event_id).second)
      throw Error(file.string() + ": event " + std::to_string(event.event_id) + " given twice");
  }
  const Hdf5Lock lock;
  AtomicFile out(file);
  const Where where{file.string(), ""};
  Handle h5(where.check(H5Fcreate(out.tempPath().c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
                        "", "cannot create"),
            H5Fclose);
  writeAttribute(h5.get(), where, "format", std::string(kFormat));
  writeAttribute(h5.get(), where, "version", std::int32_t{kEventStoreVersion});
  writeAttribute(h5.get(), where, "detector", detector);
  for (const auto& event : events) writeEvent(h5.get(), where, event);
  where.check(h5.close(), "", "cannot write (disk full?)");
  out.commit();
}

std::vector<std::uint64_t> listEventsH5(const fs::path& path) {
  const Hdf5Lock lock;
  const Handle file = openStore(path);
  const Where where{path.string(), ""};
  std::vector<std::string> names;
  where.check(H5Literate(
                  file.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr,
                  [](hid_t, const char* name, const H5L_info_t*, void* out) -> herr_t {
                    static_cast<std::vector<std::string>*>(out)->emplace_back(name);
                    return 0;
                  },
                  &names),
              "", "cannot list groups");
  std::vector<std::uint64_t> ids;
  for (const auto& name : names) {
    if (!name.starts_with("event")) continue;  // leave room for what others add with h5py
    const Handle group = openGroup(file.get(), where, name);
    const auto id = readAttribute<std::uint64_t>(group.get(), where.sub(name), "event_id");
    if (eventStem(id) != name)
      throw where.sub(name).error("", "attribute 'event_id' is " + std::to_string(id) +
                                          ", which does not match the group name");
    ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

Event readEventH5(const fs::path& path, std::uint64_t event_id) {
  const Hdf5Lock lock;
  const Handle file = openStore(path);
  const std::string name = eventStem(event_id);
  const Where where = Where{path.string(), ""}.sub(name);
  if (!exists(file.get(), name))
    throw Error(path.string() + ": no event " + std::to_string(event_id) + " (no group '" + name +
                "')");
  const Handle group = openGroup(file.get(), {path.string(), ""}, name);

  Event event;
  event.event_id = event_id;
  {
    const Handle hits = openGroup(group.get(), where, "hits");
    event.hits = readFields<SpacePoint>(hits.get(), where.sub("hits"), kHitFields);
    readClusters(hits.get(), where.sub("hits"), event.hits);
  }
  if (exists(group.get(), "truth")) {
    const Handle truth = openGroup(group.get(), where, "truth");
    event.truth =
        readFields<HitTruth>(truth.get(), where.sub("truth"), kTruthFields, event.hits.size());
  }
  const Handle particles = openGroup(group.get(), where, "particles");
  event.particles = readFields<Particle>(particles.get(), where.sub("particles"), kParticleFields);
  event.validate(path.string());
  return event;
}

std::string detectorOfH5(const fs::path& path) {
  const Hdf5Lock lock;
  const Handle file = openStore(path);
  return readAttribute<std::string>(file.get(), {path.string(), ""}, "detector");
}

}  // namespace efgnn
