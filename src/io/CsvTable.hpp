#pragma once
// Minimal CSV as the TrackML data set uses it: a header row of column names, comma-separated
// fields without quoting, LF or CRLF line ends. The whole file is parsed from one buffer and
// numbers are converted with std::from_chars / std::to_chars (shortest round-trip form), so
// reading is fast and read(write(x)) == x exactly for float and double.
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/AtomicFile.hpp"
#include "core/Error.hpp"

namespace efgnn::io {

/// Reads a whole file, gzip-compressed or plain (zlib recognises the gzip magic bytes).
std::string readMaybeGzipped(const std::filesystem::path& file);
/// The same for bytes in memory (data compiled into the program); `source` names them in errors.
std::string gunzipMaybe(std::string_view bytes, const std::string& source);
/// Writes `text` to `file` atomically (temporary file + rename), gzip-compressed when `gzip`.
void writeMaybeGzipped(const std::filesystem::path& file, const std::string& text, bool gzip);
/// Writes `text` to `out`'s temporary file and leaves the commit to the caller (files that must
/// appear together: all are written first, then renamed into place).
void writeMaybeGzipped(AtomicFile& out, const std::string& text, bool gzip);

class CsvTable {
 public:
  /// Parses CSV text; `source` names it in error messages.
  CsvTable(std::string text, std::string source);
  /// Reads and parses a .csv or .csv.gz file.
  static CsvTable read(const std::filesystem::path& file);

  const std::string& source() const { return source_; }
  std::size_t rows() const { return lines_.size(); }
  std::optional<std::size_t> findColumn(std::string_view name) const;
  /// Index of a required column; throws Error naming the file and the column when missing.
  std::size_t column(std::string_view name) const;

  std::string_view field(std::size_t row, std::size_t col) const {
    const Span s = spans_[row * names_.size() + col];
    return {text_.data() + s.begin, s.end - s.begin};
  }
  /// Line number (1-based, header = 1) of a data row.
  std::size_t line(std::size_t row) const { return lines_[row]; }
  /// "FILE:LINE: column 'NAME': what".
  Error error(std::size_t row, std::size_t col, const std::string& what) const;

  /// A field converted to T: integer, float, double, bool (0 or 1) or an enum (its underlying
  /// integer). Throws Error for malformed, out-of-range or non-finite values.
  template <class T>
  T get(std::size_t row, std::size_t col) const;

 private:
  struct Span {
    std::uint32_t begin, end;  // offsets, not pointers: a moved std::string may move its chars
  };
  /// Appends the fields of text_[begin, end) to `out`; returns how many.
  std::size_t split(std::size_t begin, std::size_t end, std::vector<Span>& out) const;
  void parseHeader(std::size_t begin, std::size_t end, std::size_t line);

  std::string text_;
  std::string source_;
  std::size_t header_line_ = 0;
  std::vector<std::string> names_;
  std::vector<Span> spans_;           // row-major, columns() per row
  std::vector<std::uint32_t> lines_;  // per row
};

/// Appends CSV rows to a string.
class CsvWriter {
 public:
  explicit CsvWriter(std::size_t reserve_bytes = 0) { text_.reserve(reserve_bytes); }
  /// Appends one field: a number (shortest round-trip form), bool (0/1), enum (its integer)
  /// or text.
  template <class T>
  void put(const T& value) {
    separate();
    append(value);
  }
  void putEmpty() { separate(); }
  void endRow() {
    text_ += '\n';
    first_ = true;
  }
  const std::string& text() const { return text_; }

 private:
  void separate() {
    if (!first_) text_ += ',';
    first_ = false;
  }
  template <class T>
  void append(const T& value);

  std::string text_;
  bool first_ = true;
};

template <class T>
T CsvTable::get(std::size_t row, std::size_t col) const {
  if constexpr (std::is_enum_v<T>) {
    return static_cast<T>(get<std::underlying_type_t<T>>(row, col));
  } else if constexpr (std::is_same_v<T, bool>) {
    const auto v = get<unsigned>(row, col);
    if (v > 1) throw error(row, col, "expected 0 or 1, found '" + std::to_string(v) + "'");
    return v == 1;
  } else {
    static_assert(std::is_arithmetic_v<T>);
    const std::string_view s = field(row, col);
    if (s.empty()) throw error(row, col, "empty field");
    T value{};
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec == std::errc::result_out_of_range)
      throw error(row, col, "number out of range '" + std::string(s) + "'");
    if (ec != std::errc() || end != s.data() + s.size())
      throw error(row, col, "malformed number '" + std::string(s) + "'");
    if constexpr (std::is_floating_point_v<T>)
      if (!std::isfinite(value))
        throw error(row, col, "not a finite number '" + std::string(s) + "'");
    return value;
  }
}

template <class T>
void CsvWriter::append(const T& value) {
  if constexpr (std::is_enum_v<T>) {
    append(static_cast<std::underlying_type_t<T>>(value));
  } else if constexpr (std::is_same_v<T, bool>) {
    text_ += value ? '1' : '0';
  } else if constexpr (std::is_arithmetic_v<T>) {
    char buf[64];
    text_.append(buf, std::to_chars(buf, buf + sizeof buf, value).ptr);
  } else {
    text_ += value;
  }
}

}  // namespace efgnn::io
