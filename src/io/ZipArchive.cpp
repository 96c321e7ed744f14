#include "io/ZipArchive.hpp"

#include <zlib.h>

#include <fstream>
#include <sstream>

#include "core/Error.hpp"

namespace efgnn {
namespace {

std::uint64_t little(const std::string& b, std::uint64_t at, int n) {
  std::uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}

constexpr std::uint32_t kEndOfDirectory = 0x06054b50, kZip64End = 0x06064b50, kZip64Locator = 0x07064b50,
                        kDirectoryEntry = 0x02014b50, kLocalHeader = 0x04034b50;

}  // namespace

ZipArchive ZipArchive::read(const std::filesystem::path& file) {
  ZipArchive z;
  z.file_ = file;
  {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw Error(file.string() + ": cannot open");
    std::ostringstream s;
    s << in.rdbuf();
    z.bytes_ = std::move(s).str();
  }
  const std::string& b = z.bytes_;
  const auto bad = [&](const std::string& what) { return Error(file.string() + ": not a readable zip file: " + what); };
  const auto need = [&](std::uint64_t at, std::uint64_t n, const char* what) {
    if (at > b.size() || n > b.size() - at) throw bad(std::string(what) + " lies past the end of the file");
  };
  // The end-of-directory record: the last 22 bytes, or earlier by a comment of up to 64 KiB.
  if (b.size() < 22) throw bad("shorter than an end-of-directory record");
  std::uint64_t end = b.size() - 22;
  const std::uint64_t lowest = b.size() > 22 + 65535 ? b.size() - 22 - 65535 : 0;
  while (little(b, end, 4) != kEndOfDirectory) {
    if (end == lowest) throw bad("no end-of-directory record");
    --end;
  }
  std::uint64_t count = little(b, end + 10, 2), dir_size = little(b, end + 12, 4), dir = little(b, end + 16, 4);
  if ((count == 0xffff || dir == 0xffffffff) && end >= 20 && little(b, end - 20, 4) == kZip64Locator) {
    const std::uint64_t at = little(b, end - 20 + 8, 8);
    need(at, 56, "the zip64 end-of-directory record");
    if (little(b, at, 4) != kZip64End) throw bad("a zip64 locator that points to no zip64 record");
    count = little(b, at + 32, 8);
    dir_size = little(b, at + 40, 8);
    dir = little(b, at + 48, 8);
  }
  need(dir, dir_size, "the central directory");
  std::uint64_t at = dir;
  for (std::uint64_t i = 0; i < count; ++i) {
    need(at, 46, "a directory entry");
    if (little(b, at, 4) != kDirectoryEntry) throw bad("directory entry " + std::to_string(i) + " has no signature");
    Entry e;
    e.method = static_cast<int>(little(b, at + 10, 2));
    e.compressed = little(b, at + 20, 4);
    e.size = little(b, at + 24, 4);
    const std::uint64_t name_length = little(b, at + 28, 2), extra_length = little(b, at + 30, 2),
                        comment_length = little(b, at + 32, 2);
    e.offset = little(b, at + 42, 4);
    need(at + 46, name_length + extra_length + comment_length, "a directory entry's name");
    const std::string name = b.substr(at + 46, name_length);
    // Zip64: the fields at their maximum are in the extra field, in this order.
    for (std::uint64_t x = at + 46 + name_length; x + 4 <= at + 46 + name_length + extra_length;) {
      const std::uint64_t id = little(b, x, 2), length = little(b, x + 2, 2);
      if (id == 1) {
        std::uint64_t field = x + 4;
        for (std::uint64_t* v : {&e.size, &e.compressed, &e.offset})
          if (*v == 0xffffffff && field + 8 <= x + 4 + length) {
            *v = little(b, field, 8);
            field += 8;
          }
      }
      x += 4 + length;
    }
    z.entries_[name] = e;
    at += 46 + name_length + extra_length + comment_length;
  }
  return z;
}

std::vector<std::string> ZipArchive::names() const {
  std::vector<std::string> out;
  for (const auto& [name, e] : entries_) out.push_back(name);
  return out;
}

std::string ZipArchive::entry(const std::string& name) const {
  const auto it = entries_.find(name);
  const std::string where = file_.string() + ": entry '" + name + "'";
  if (it == entries_.end()) throw Error(where + ": not in the archive");
  const Entry& e = it->second;
  const std::string& b = bytes_;
  if (e.offset > b.size() || b.size() - e.offset < 30 || little(b, e.offset, 4) != kLocalHeader)
    throw Error(where + ": no local header where the directory says");
  const std::uint64_t data = e.offset + 30 + little(b, e.offset + 26, 2) + little(b, e.offset + 28, 2);
  if (data > b.size() || e.compressed > b.size() - data) throw Error(where + ": its data lie past the end of the file");
  if (e.method == 0) {
    if (e.compressed != e.size) throw Error(where + ": stored with two different sizes");
    return b.substr(data, e.size);
  }
  if (e.method != 8) throw Error(where + ": compression method " + std::to_string(e.method) + " (stored or deflated are read)");
  std::string out(e.size, '\0');
  z_stream s{};
  if (inflateInit2(&s, -MAX_WBITS) != Z_OK) throw Error(where + ": zlib did not start");
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(b.data() + data));
  s.avail_in = static_cast<uInt>(e.compressed);
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  const int rc = inflate(&s, Z_FINISH);
  const bool whole = rc == Z_STREAM_END && s.total_out == e.size;
  inflateEnd(&s);
  if (!whole) throw Error(where + ": its deflated data are corrupt");
  return out;
}

}  // namespace efgnn
