#include "io/H5File.hpp"

#include <limits>
#include <stdexcept>
#include <system_error>

namespace efgnn::h5 {

namespace fs = std::filesystem;

namespace {

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

struct Types {
  hid_t file, memory;
};

/// Little-endian in the file, as h5py writes on every common machine; native in memory.
Types hdf5Types(detail::Kind kind) {
  using detail::Kind;
  switch (kind) {
    case Kind::U8: return {H5T_STD_U8LE, H5T_NATIVE_UINT8};
    case Kind::I32: return {H5T_STD_I32LE, H5T_NATIVE_INT32};
    case Kind::U32: return {H5T_STD_U32LE, H5T_NATIVE_UINT32};
    case Kind::I64: return {H5T_STD_I64LE, H5T_NATIVE_INT64};
    case Kind::U64: return {H5T_STD_U64LE, H5T_NATIVE_UINT64};
    case Kind::F32: return {H5T_IEEE_F32LE, H5T_NATIVE_FLOAT};
    case Kind::F64: return {H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE};
  }
  throw std::logic_error("h5: unknown element kind");
}

bool isFloating(detail::Kind kind) {
  return kind == detail::Kind::F32 || kind == detail::Kind::F64;
}

/// Reading converts between widths within a class (h5py users may write int64 for int32), but
/// never between integer and floating point.
bool classMatches(hid_t type, detail::Kind kind) {
  return H5Tget_class(type) == (isFloating(kind) ? H5T_FLOAT : H5T_INTEGER);
}
const char* className(detail::Kind kind) { return isFloating(kind) ? "floating point" : "integer"; }

std::string attributeLabel(const std::string& name) { return "attribute '" + name + "'"; }
std::string datasetLabel(const std::string& name) { return "dataset '" + name + "'"; }

/// "[3, 4]", with "any" for kAny.
template <class Dims>
std::string shapeText(const Dims& dims) {
  std::string text = "[";
  for (const auto d : dims)
    text += (text.size() > 1 ? ", " : "") + (d == kAny ? std::string("any") : std::to_string(d));
  return text + "]";
}

/// Creation properties without modification times: HDF5 records them by default, and they
/// would make two runs with the same content write different bytes.
Handle untimedCreation(hid_t property_class, const Where& where) {
  Handle plist(where.check(H5Pcreate(property_class), "property list", "cannot create"), H5Pclose);
  where.check(H5Pset_obj_track_times(plist.get(), false), "property list", "cannot set");
  return plist;
}

}  // namespace

std::unique_lock<std::mutex> lockHdf5() {
  static std::mutex mutex;
  std::unique_lock lock(mutex);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  return lock;
}

// ---- Where ----

Error Where::error(std::string_view object, const std::string& what) const {
  std::string msg = file + ": ";
  if (!group.empty()) msg += "group '" + group + "'" + (object.empty() ? ": " : ", ");
  if (!object.empty()) msg += std::string(object) + ": ";
  return Error(msg + what);
}

hid_t Where::check(hid_t id, std::string_view object, const std::string& what) const {
  if (id < 0) {
    const std::string reason = hdf5Reason();
    throw error(object, what + (reason.empty() ? "" : " (HDF5: " + reason + ")"));
  }
  return id;
}

Where Where::sub(const std::string& name) const {
  return {file, group.empty() ? name : group + "/" + name};
}

// ---- Group: members ----

Error Group::datasetError(const std::string& name, const std::string& what) const {
  return where_.error(datasetLabel(name), what);
}

bool Group::contains(const std::string& name) const {
  return H5Lexists(id(), name.c_str(), H5P_DEFAULT) > 0;
}

std::vector<std::string> Group::names() const {
  std::vector<std::string> names;
  where_.check(H5Literate(
                   id(), H5_INDEX_NAME, H5_ITER_INC, nullptr,
                   [](hid_t, const char* name, const H5L_info_t*, void* out) -> herr_t {
                     static_cast<std::vector<std::string>*>(out)->emplace_back(name);
                     return 0;
                   },
                   &names),
               "", "cannot list members");
  return names;
}

Group Group::createGroup(const std::string& name) const {
  const Handle gcpl = untimedCreation(H5P_GROUP_CREATE, where_);
  return {{where_.check(H5Gcreate2(id(), name.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT),
                        "group '" + name + "'", "cannot create"),
           H5Gclose},
          where_.sub(name)};
}

Group Group::openGroup(const std::string& name) const {
  if (!contains(name)) throw where_.error("group '" + name + "'", "missing");
  return {{where_.check(H5Gopen2(id(), name.c_str(), H5P_DEFAULT), "group '" + name + "'",
                        "cannot open"),
           H5Gclose},
          where_.sub(name)};
}

// ---- Group: attributes ----

bool Group::hasAttribute(const std::string& name) const {
  return H5Aexists(id(), name.c_str()) > 0;
}

void Group::writeAttribute(const std::string& name, const std::string& value) const {
  const std::string what = attributeLabel(name);
  Handle space(where_.check(H5Screate(H5S_SCALAR), what, "cannot create dataspace"), H5Sclose);
  // Variable-length UTF-8: h5py returns it as str.
  Handle type(where_.check(H5Tcopy(H5T_C_S1), what, "cannot create type"), H5Tclose);
  where_.check(H5Tset_size(type.get(), H5T_VARIABLE), what, "cannot create type");
  where_.check(H5Tset_cset(type.get(), H5T_CSET_UTF8), what, "cannot create type");
  Handle attr(where_.check(H5Acreate2(id(), name.c_str(), type.get(), space.get(), H5P_DEFAULT,
                                      H5P_DEFAULT),
                           what, "cannot create"),
              H5Aclose);
  const char* data = value.c_str();
  where_.check(H5Awrite(attr.get(), type.get(), &data), what, "cannot write");
}

void Group::writeRawAttribute(const std::string& name, detail::Kind kind,
                              const void* value) const {
  const std::string what = attributeLabel(name);
  Handle space(where_.check(H5Screate(H5S_SCALAR), what, "cannot create dataspace"), H5Sclose);
  const auto types = hdf5Types(kind);
  Handle attr(where_.check(H5Acreate2(id(), name.c_str(), types.file, space.get(), H5P_DEFAULT,
                                      H5P_DEFAULT),
                           what, "cannot create"),
              H5Aclose);
  where_.check(H5Awrite(attr.get(), types.memory, value), what, "cannot write");
}

namespace {

/// An attribute opened for reading, checked to hold a single value.
struct ScalarAttribute {
  Handle attr, type;

  ScalarAttribute(hid_t object, const Where& where, const std::string& name) {
    const std::string what = attributeLabel(name);
    if (H5Aexists(object, name.c_str()) <= 0) throw where.error(what, "missing");
    attr = {where.check(H5Aopen(object, name.c_str(), H5P_DEFAULT), what, "cannot open"),
            H5Aclose};
    type = {where.check(H5Aget_type(attr.get()), what, "cannot read type"), H5Tclose};
    const Handle space(where.check(H5Aget_space(attr.get()), what, "cannot read dataspace"),
                       H5Sclose);
    if (H5Sget_simple_extent_npoints(space.get()) != 1) throw where.error(what, "not a scalar");
  }
};

}  // namespace

void Group::readRawAttribute(const std::string& name, detail::Kind kind, void* value) const {
  const std::string what = attributeLabel(name);
  const ScalarAttribute a(id(), where_, name);
  if (!classMatches(a.type.get(), kind))
    throw where_.error(what, std::string("not ") + className(kind));
  where_.check(H5Aread(a.attr.get(), hdf5Types(kind).memory, value), what, "cannot read");
}

std::string Group::readString(const std::string& name) const {
  const std::string what = attributeLabel(name);
  const ScalarAttribute a(id(), where_, name);
  if (H5Tget_class(a.type.get()) != H5T_STRING) throw where_.error(what, "not a string");
  if (H5Tis_variable_str(a.type.get()) > 0) {
    char* data = nullptr;
    where_.check(H5Aread(a.attr.get(), a.type.get(), &data), what, "cannot read");
    std::string value = data ? data : "";
    H5free_memory(data);
    return value;
  }
  std::string value(H5Tget_size(a.type.get()), '\0');
  where_.check(H5Aread(a.attr.get(), a.type.get(), value.data()), what, "cannot read");
  value.resize(value.find('\0') == std::string::npos ? value.size() : value.find('\0'));
  return value;
}

// ---- Group: datasets ----

void Group::writeRawDataset(const std::string& name, detail::Kind kind,
                            std::initializer_list<std::size_t> shape, const void* data,
                            std::size_t size) const {
  const std::string what = datasetLabel(name);
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  hsize_t count = 1;
  for (const hsize_t d : dims) count *= d;
  if (count != size)
    throw where_.error(what, "cannot write " + std::to_string(size) + " values as shape " +
                                 shapeText(dims));
  Handle space(where_.check(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                            what, "cannot create dataspace"),
               H5Sclose);
  const auto types = hdf5Types(kind);
  const Handle dcpl = untimedCreation(H5P_DATASET_CREATE, where_);
  Handle dataset(where_.check(H5Dcreate2(id(), name.c_str(), types.file, space.get(), H5P_DEFAULT,
                                         dcpl.get(), H5P_DEFAULT),
                              what, "cannot create"),
                 H5Dclose);
  if (count > 0)
    where_.check(H5Dwrite(dataset.get(), types.memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), what,
                 "cannot write");
}

namespace {

/// The shape is only a declaration: a small damaged or hostile file may declare 5e7 rows and
/// make the reader allocate gigabytes before HDF5 finds nothing behind them. Before allocating,
/// the declared size is compared with the bytes the file stores for the dataset:
///  - without filters (contiguous, compact or chunked), every element is stored, so the
///    storage must hold count x element size;
///  - with filters (compression), at most kMaxCompression times the stored bytes: deflate, the
///    compression of h5py and HDF5's usual one, cannot exceed 1032:1 (RFC 1951: a 258-byte
///    match costs at least 2 bits); 1100 leaves room for chunk overheads.
constexpr double kMaxCompression = 1100;

void checkStorage(hid_t dataset, hid_t type, const std::vector<hsize_t>& dims, std::size_t count,
                  bool overflow, const Where& where, const std::string& what) {
  if (overflow) throw where.error(what, "declares shape " + shapeText(dims) + ", too large to read");
  if (count == 0) return;
  const std::size_t element = H5Tget_size(type);
  const double declared = static_cast<double>(count) * static_cast<double>(element);
  const double stored = static_cast<double>(H5Dget_storage_size(dataset));
  Handle dcpl(where.check(H5Dget_create_plist(dataset), what, "cannot read creation properties"), H5Pclose);
  const int filters = H5Pget_nfilters(dcpl.get());
  const double limit = filters > 0 ? stored * kMaxCompression : stored;
  if (declared > limit)
    throw where.error(what, "declares shape " + shapeText(dims) + " (" + std::to_string(static_cast<std::uint64_t>(declared)) +
                                " bytes) but the file stores " + std::to_string(static_cast<std::uint64_t>(stored)) +
                                " bytes for it" + (filters > 0 ? " compressed" : "") +
                                ": truncated or corrupt file");
}

}  // namespace

void Group::readRawDataset(const std::string& name, detail::Kind kind,
                           std::initializer_list<std::size_t> shape,
                           const std::function<void*(std::size_t)>& allocate) const {
  const std::string what = datasetLabel(name);
  if (!contains(name)) throw where_.error(what, "missing");
  Handle dataset(where_.check(H5Dopen2(id(), name.c_str(), H5P_DEFAULT), what, "cannot open"),
                 H5Dclose);
  Handle type(where_.check(H5Dget_type(dataset.get()), what, "cannot read type"), H5Tclose);
  if (!classMatches(type.get(), kind))
    throw where_.error(what, std::string("not ") + className(kind));

  Handle space(where_.check(H5Dget_space(dataset.get()), what, "cannot read dataspace"), H5Sclose);
  const hid_t rank =
      where_.check(H5Sget_simple_extent_ndims(space.get()), what, "cannot read shape");
  if (static_cast<std::size_t>(rank) != shape.size())
    throw where_.error(what, "is " + std::to_string(rank) + "-dimensional, expected " +
                                 std::to_string(shape.size()) + "-dimensional");
  std::vector<hsize_t> dims(shape.size());
  where_.check(H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr), what,
               "cannot read shape");
  bool matches = true;
  std::size_t count = 1;
  bool overflow = false;
  for (std::size_t i = 0; i < dims.size(); ++i) {
    matches &= shape.begin()[i] == kAny || shape.begin()[i] == dims[i];
    overflow |= dims[i] != 0 && count > std::numeric_limits<std::size_t>::max() / dims[i];
    count *= dims[i];
  }
  if (!matches && shape.size() == 1)
    throw where_.error(what, "has " + std::to_string(dims[0]) + " entries, expected " +
                                 std::to_string(*shape.begin()));
  if (!matches)
    throw where_.error(what, "has shape " + shapeText(dims) + ", expected " + shapeText(shape));
  checkStorage(dataset.get(), type.get(), dims, count, overflow, where_, what);
  void* data = allocate(count);
  if (count > 0)
    where_.check(H5Dread(dataset.get(), hdf5Types(kind).memory, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                         data),
                 what, "cannot read (corrupt file?)");
}

// ---- files ----

namespace {

Handle createFile(const fs::path& path, const Where& where) {
  // SEMI: closing fails while a group is open, instead of closing silently later, after the
  // rename, with whatever that group still had to write.
  Handle fapl(where.check(H5Pcreate(H5P_FILE_ACCESS), "", "cannot create property list"),
              H5Pclose);
  where.check(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_SEMI), "", "cannot set property list");
  // The core driver without a backing store: the file lives in memory until commit() writes
  // its image. Growth in 4 MiB steps: as fast as writing to the disk directly here (bench_io).
  where.check(H5Pset_fapl_core(fapl.get(), std::size_t{1} << 22, false), "", "cannot set property list");
  return {where.check(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()), "",
                      "cannot create"),
          H5Fclose};
}

}  // namespace

NewFile::NewFile(const fs::path& path)
    : path_(path), root_(createFile(temporaryPathFor(path), {path.string(), ""}), {path.string(), ""}) {}

void NewFile::commit() {
  const Where& where = root_.where();
  const hid_t file = root_.id();
  if (H5Fget_obj_count(file, H5F_OBJ_GROUP | H5F_OBJ_DATASET | H5F_OBJ_ATTR | H5F_OBJ_DATATYPE) > 0)
    throw where.error("", "cannot write: a group or dataset of the file is still open");
  where.check(H5Fflush(file, H5F_SCOPE_LOCAL), "", "cannot write");
  const ssize_t size = H5Fget_file_image(file, nullptr, 0);
  if (size < 0) where.check(-1, "", "cannot write");
  std::string image(static_cast<std::size_t>(size), '\0');
  if (H5Fget_file_image(file, image.data(), image.size()) != size) where.check(-1, "", "cannot write");
  where.check(root_.handle_.close(), "", "cannot close");
  writeFileAtomically(path_, image);
}

Group openFile(const fs::path& path) {
  Where where{path.string(), ""};
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw where.error("", "no such file");
  if (H5Fis_hdf5(path.c_str()) <= 0) throw where.error("", "not an HDF5 file");
  Handle file(where.check(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "",
                          "cannot open: corrupt or truncated HDF5 file"),
              H5Fclose);
  return {std::move(file), std::move(where)};
}

void writeFormat(const Group& root, const std::string& format, std::int32_t version) {
  root.writeAttribute("format", format);
  root.writeAttribute("version", version);
}

std::int32_t readFormat(const Group& root, const std::string& format, std::int32_t newest) {
  const Where& where = root.where();
  if (!root.hasAttribute("format"))
    throw where.error("", "not in format '" + format + "' (no 'format' attribute)");
  const auto found = root.readAttribute<std::string>("format");
  if (found != format)
    throw where.error("", "not in format '" + format + "' (format '" + found + "')");
  const auto version = root.readAttribute<std::int32_t>("version");
  if (version > newest)
    throw where.error("", "format version " + std::to_string(version) +
                              " is newer than this efgnn reads (" + std::to_string(newest) +
                              "); update efgnn");
  if (version < 1) throw where.error("", "invalid format version " + std::to_string(version));
  return version;
}

}  // namespace efgnn::h5
