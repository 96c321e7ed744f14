#include "io/CsvTable.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <memory>

#include "core/AtomicFile.hpp"

namespace efgnn::io {

namespace fs = std::filesystem;

namespace {

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

// zlib reads and writes at most INT_MAX bytes per call.
constexpr std::size_t kMaxGzChunk = 1u << 30;
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
constexpr std::size_t kGzBuffer = 1u << 18;  // larger than zlib's 8 KiB default: fewer syscalls
#else  // fuzzing (make fuzz): small inputs reach the growing loop, no 256 KiB buffers per input
constexpr std::size_t kGzBuffer = 1u << 10;
#endif

std::string gzMessage(gzFile_s* f) {
  int code = Z_OK;
  const char* msg = gzerror(f, &code);
  return code == Z_ERRNO ? std::strerror(errno) : msg;
}

}  // namespace

std::string gunzipMaybe(std::string_view bytes, const std::string& source) {
  if (bytes.size() < 2 || static_cast<unsigned char>(bytes[0]) != 0x1f || static_cast<unsigned char>(bytes[1]) != 0x8b)
    return std::string(bytes);
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) throw Error(source + ": cannot inflate: out of memory");
  std::string text;
  char buffer[1 << 16];
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  zs.avail_in = static_cast<uInt>(std::min<std::size_t>(bytes.size(), kMaxGzChunk));
  int code = Z_OK;
  while (code == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(buffer);
    zs.avail_out = sizeof buffer;
    code = inflate(&zs, Z_NO_FLUSH);
    text.append(buffer, sizeof buffer - zs.avail_out);
  }
  inflateEnd(&zs);
  if (code != Z_STREAM_END) throw Error(source + ": cannot inflate: " + (zs.msg ? zs.msg : "truncated gzip data"));
  return text;
}

std::string readMaybeGzipped(const fs::path& file) {
  std::error_code ec;
  const auto file_size = fs::file_size(file, ec);
  if (ec) throw Error(file.string() + ": cannot open for reading: " + ec.message());
  GzFile gz(gzopen(file.c_str(), "rb"));
  if (!gz) throw Error(file.string() + ": cannot open for reading: " + std::strerror(errno));
  gzbuffer(gz.get(), kGzBuffer);
  // A plain file is copied as is ("transparent" mode); compressed CSV inflates about 3-4x.
  std::string text(
      std::max<std::size_t>(gzdirect(gz.get()) ? file_size + 1 : 4 * file_size, kGzBuffer), '\0');
  std::size_t size = 0;
  for (;;) {
    if (size == text.size()) text.resize(2 * text.size());
    const auto want = static_cast<unsigned>(std::min(text.size() - size, kMaxGzChunk));
    const int n = gzread(gz.get(), text.data() + size, want);
    if (n < 0) throw Error(file.string() + ": cannot read: " + gzMessage(gz.get()));
    if (n == 0) break;
    size += static_cast<std::size_t>(n);
  }
  // A gzip stream cut short reads as end of file; zlib flags it as Z_BUF_ERROR.
  int code = Z_OK;
  gzerror(gz.get(), &code);
  if (code != Z_OK) throw Error(file.string() + ": cannot read: " + gzMessage(gz.get()));
  text.resize(size);
  return text;
}

void writeMaybeGzipped(const fs::path& file, const std::string& text, bool gzip) {
  AtomicFile out(file);
  writeMaybeGzipped(out, text, gzip);
  out.commit();
}

void writeMaybeGzipped(AtomicFile& out, const std::string& text, bool gzip) {
  const fs::path& file = out.target();
  if (!gzip) {
    out.write(text);
    return;
  }
  // Level 1: CSV compresses nearly as well as at the default level 6, several times faster.
  GzFile gz(gzopen(out.tempPath().c_str(), "wb1"));
  if (!gz) throw Error(file.string() + ": cannot write: " + std::strerror(errno));
  gzbuffer(gz.get(), kGzBuffer);
  for (std::size_t pos = 0; pos < text.size();) {
    const auto n = static_cast<unsigned>(std::min(text.size() - pos, kMaxGzChunk));
    if (gzwrite(gz.get(), text.data() + pos, n) != static_cast<int>(n))
      throw Error(file.string() + ": cannot write: " + gzMessage(gz.get()));
    pos += n;
  }
  // gzclose flushes the last block, so its result is the one that says whether all was written.
  if (gzclose(gz.release()) != Z_OK) throw Error(file.string() + ": cannot write (disk full?)");
}

std::size_t CsvTable::split(std::size_t begin, std::size_t end, std::vector<Span>& out) const {
  const char* const base = text_.data();
  std::size_t count = 1;
  for (std::size_t f = begin;; ++count) {
    const auto* comma = static_cast<const char*>(std::memchr(base + f, ',', end - f));
    const std::size_t fend = comma ? static_cast<std::size_t>(comma - base) : end;
    out.push_back({static_cast<std::uint32_t>(f), static_cast<std::uint32_t>(fend)});
    if (!comma) return count;
    f = fend + 1;
  }
}

void CsvTable::parseHeader(std::size_t begin, std::size_t end, std::size_t line) {
  std::vector<Span> spans;
  split(begin, end, spans);
  const auto name = [&](Span s) {
    return std::string_view(text_.data() + s.begin, s.end - s.begin);
  };
  double number;
  const std::string_view first = name(spans[0]);
  const auto parsed = std::from_chars(first.data(), first.data() + first.size(), number);
  if (parsed.ec == std::errc() && parsed.ptr == first.data() + first.size())
    throw inputError(source_, line, "missing header row (the first line starts with a number)");
  for (const Span s : spans) {
    if (name(s).empty()) throw inputError(source_, line, "empty column name in the header row");
    if (findColumn(name(s)))
      throw inputError(source_, line, "column '" + std::string(name(s)) + "' appears twice");
    names_.emplace_back(name(s));
  }
  header_line_ = line;
}

CsvTable::CsvTable(std::string text, std::string source)
    : text_(std::move(text)), source_(std::move(source)) {
  if (text_.size() >= std::numeric_limits<std::uint32_t>::max())
    throw inputError(source_, 0, "file too large for a CSV table (4 GiB or more)");
  const char* const base = text_.data();
  const std::size_t n = text_.size();
  std::size_t line = 0;
  for (std::size_t pos = 0; pos < n;) {
    ++line;
    const auto* nl = static_cast<const char*>(std::memchr(base + pos, '\n', n - pos));
    const std::size_t eol = nl ? static_cast<std::size_t>(nl - base) : n;
    std::size_t end = eol;
    if (end > pos && base[end - 1] == '\r') --end;
    const std::size_t begin = pos;
    pos = eol + 1;
    if (begin == end) continue;  // blank line
    if (names_.empty()) {
      parseHeader(begin, end, line);
      continue;
    }
    const std::size_t count = split(begin, end, spans_);
    if (count != names_.size())
      throw inputError(source_, line,
                       std::to_string(count) + " fields where the header names " +
                           std::to_string(names_.size()) + " columns (truncated line?)");
    lines_.push_back(static_cast<std::uint32_t>(line));
  }
  if (names_.empty()) throw inputError(source_, 0, "empty file (no header row)");
}

CsvTable CsvTable::read(const fs::path& file) {
  return CsvTable(readMaybeGzipped(file), file.string());
}

std::optional<std::size_t> CsvTable::findColumn(std::string_view name) const {
  const auto it = std::find(names_.begin(), names_.end(), name);
  if (it == names_.end()) return std::nullopt;
  return static_cast<std::size_t>(it - names_.begin());
}

std::size_t CsvTable::column(std::string_view name) const {
  if (const auto col = findColumn(name)) return *col;
  throw inputError(source_, header_line_, "missing column '" + std::string(name) + "'");
}

Error CsvTable::error(std::size_t row, std::size_t col, const std::string& what) const {
  return inputError(source_, lines_[row], "column '" + names_[col] + "': " + what);
}

}  // namespace efgnn::io
