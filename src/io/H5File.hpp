#pragma once
// A small layer over the HDF5 C API for efgnn's file formats (event store, graphs). Every file
// written with it gets the same guarantees:
//  - thread safety: the Debian HDF5 library is built without it, so every HDF5 call of the
//    process, closing a Group included, must be made holding lockHdf5();
//  - errors: every failure throws efgnn::Error naming the file, group and dataset, with HDF5's
//    own reason appended; HDF5 itself prints nothing;
//  - reproducibility: groups and datasets carry no modification times, so the same content
//    gives byte-identical files;
//  - atomic output: a file is built in memory, written under a temporary name and renamed into
//    place;
//  - h5py compatibility: little-endian numbers, variable-length UTF-8 string attributes,
//    2-D datasets row-major (C order, as numpy and PyTorch).
//
// Writing:
//   const auto lock = h5::lockHdf5();  // first, so that it is released after everything else
//   h5::NewFile file(path);
//   h5::writeFormat(file.root(), "efgnn-thing", 1);
//   {
//     const h5::Group nodes = file.root().createGroup("nodes");
//     nodes.writeDataset2D("x", x, rows, cols);
//   }
//   file.commit();  // every Group of the file must be closed by then
// Reading:
//   const auto lock = h5::lockHdf5();
//   const h5::Group root = h5::openFile(path);
//   h5::readFormat(root, "efgnn-thing", 1);
//   const auto x = root.openGroup("nodes").readDataset2D<float>("x", h5::kAny, cols);
#include <hdf5.h>

#include <concepts>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/AtomicFile.hpp"
#include "core/Error.hpp"

namespace efgnn::h5 {

/// Serialises all use of HDF5 in the process. Taking it also turns off HDF5's printing of its
/// error stack (per thread, as a thread-safe build would need): failures become Error.
[[nodiscard]] std::unique_lock<std::mutex> lockHdf5();

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

/// Where in a file we are, for error messages: "FILE: group 'G', dataset 'D': what".
struct Where {
  std::string file;
  std::string group;  // path from the root, empty for the root itself

  /// `object` names something inside the group ("dataset 'x'"), or is empty for the group.
  Error error(std::string_view object, const std::string& what) const;
  /// Returns `id` (or status) unless it is negative, HDF5's sign of failure: then throws
  /// error(object, what) with HDF5's reason appended.
  hid_t check(hid_t id, std::string_view object, const std::string& what) const;
  Where sub(const std::string& name) const;
};

/// Element types of datasets and numeric attributes.
template <class T>
concept Element = std::same_as<T, std::uint8_t> || std::same_as<T, std::int32_t> ||
                  std::same_as<T, std::uint32_t> || std::same_as<T, std::int64_t> ||
                  std::same_as<T, std::uint64_t> || std::same_as<T, float> ||
                  std::same_as<T, double>;

/// A dataset extent to read that may be anything (the caller learns it from the size).
inline constexpr std::size_t kAny = static_cast<std::size_t>(-1);

namespace detail {
// The element type reaches the (non-template) implementation as one of these.
enum class Kind { U8, I32, U32, I64, U64, F32, F64 };
template <Element T>
constexpr Kind kindOf() {
  if constexpr (std::same_as<T, std::uint8_t>) return Kind::U8;
  if constexpr (std::same_as<T, std::int32_t>) return Kind::I32;
  if constexpr (std::same_as<T, std::uint32_t>) return Kind::U32;
  if constexpr (std::same_as<T, std::int64_t>) return Kind::I64;
  if constexpr (std::same_as<T, std::uint64_t>) return Kind::U64;
  if constexpr (std::same_as<T, float>) return Kind::F32;
  if constexpr (std::same_as<T, double>) return Kind::F64;
}
}  // namespace detail

/// An open group, or the root of a file, with its place for error messages. Reading checks
/// the element class (integer or floating point; HDF5 converts widths within a class) and the
/// shape; a missing object is an error naming it.
class Group {
 public:
  Group(Handle handle, Where where) : handle_(std::move(handle)), where_(std::move(where)) {}
  hid_t id() const { return handle_.get(); }
  const Where& where() const { return where_; }
  /// An Error about dataset `name` of this group.
  Error datasetError(const std::string& name, const std::string& what) const;

  /// Whether the group has a member (group or dataset) of that name.
  bool contains(const std::string& name) const;
  /// Names of the members, sorted.
  std::vector<std::string> names() const;
  Group createGroup(const std::string& name) const;
  Group openGroup(const std::string& name) const;

  bool hasAttribute(const std::string& name) const;
  void writeAttribute(const std::string& name, const std::string& value) const;
  template <Element T>
  void writeAttribute(const std::string& name, T value) const {
    writeRawAttribute(name, detail::kindOf<T>(), &value);
  }
  /// A scalar attribute; strings may be fixed or variable length (h5py writes either).
  template <class T>
    requires Element<T> || std::same_as<T, std::string>
  T readAttribute(const std::string& name) const {
    if constexpr (std::same_as<T, std::string>) {
      return readString(name);
    } else {
      T value{};
      readRawAttribute(name, detail::kindOf<T>(), &value);
      return value;
    }
  }

  template <Element T>
  void writeDataset(const std::string& name, const std::vector<T>& values) const {
    writeRawDataset(name, detail::kindOf<T>(), {values.size()}, values.data(), values.size());
  }
  /// `values` holds `rows` * `cols` elements, row after row.
  template <Element T>
  void writeDataset2D(const std::string& name, const std::vector<T>& values, std::size_t rows,
                      std::size_t cols) const {
    writeRawDataset(name, detail::kindOf<T>(), {rows, cols}, values.data(), values.size());
  }
  /// A one-dimensional dataset of `length` entries (kAny: of any length).
  template <Element T>
  std::vector<T> readDataset(const std::string& name, std::size_t length = kAny) const {
    return read<T>(name, {length});
  }
  /// A two-dimensional dataset of shape [rows, cols], row after row; either may be kAny.
  template <Element T>
  std::vector<T> readDataset2D(const std::string& name, std::size_t rows, std::size_t cols) const {
    return read<T>(name, {rows, cols});
  }

 private:
  template <Element T>
  std::vector<T> read(const std::string& name, std::initializer_list<std::size_t> shape) const {
    std::vector<T> values;
    readRawDataset(name, detail::kindOf<T>(), shape, [&](std::size_t n) -> void* {
      values.resize(n);
      return values.data();
    });
    return values;
  }
  void writeRawAttribute(const std::string& name, detail::Kind kind, const void* value) const;
  void readRawAttribute(const std::string& name, detail::Kind kind, void* value) const;
  std::string readString(const std::string& name) const;
  void writeRawDataset(const std::string& name, detail::Kind kind,
                       std::initializer_list<std::size_t> shape, const void* data,
                       std::size_t size) const;
  /// Checks the dataset against `shape`, then reads it into `allocate(number of elements)`.
  void readRawDataset(const std::string& name, detail::Kind kind,
                      std::initializer_list<std::size_t> shape,
                      const std::function<void*(std::size_t)>& allocate) const;

  friend class NewFile;  // closes its root to learn whether the data reached the disk
  Handle handle_;
  Where where_;
};

/// A new HDF5 file, built in memory and written by commit() under a temporary name beside
/// `path`, then renamed into place: an earlier file there is replaced only then, and an
/// interrupted or failed write (disk full) leaves nothing behind. HDF5 itself never writes to
/// the disk: its own writes failing half-way leave the file open inside the library, which then
/// crashes at exit while trying to flush it.
class NewFile {
 public:
  explicit NewFile(const std::filesystem::path& path);
  const Group& root() const { return root_; }
  /// Writes the file, throwing an Error naming it if it could not be written (disk full), and
  /// renames it into place. Throws if a Group of the file is still open (its data would be lost).
  void commit();

 private:
  std::filesystem::path path_;
  Group root_;
};

/// Opens an HDF5 file read-only; throws Error if it is missing, lacks the HDF5 signature or
/// is corrupt.
Group openFile(const std::filesystem::path& path);

/// Marks a file as holding `format` (a name such as "efgnn-graph") at `version`: the root
/// attributes "format" (string) and "version" (int32).
void writeFormat(const Group& root, const std::string& format, std::int32_t version);
/// Checks the marks written by writeFormat and returns the version; throws Error for another
/// or no format, and for a version newer than `newest`, the last one this code reads.
std::int32_t readFormat(const Group& root, const std::string& format, std::int32_t newest);

}  // namespace efgnn::h5
