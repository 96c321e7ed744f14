#pragma once
// HDF5 files for the fuzz targets, described in a line-based text that libFuzzer mutates well:
// the targets exercise efgnn's checks of what a file holds (formats, versions, types, shapes,
// sizes, values), not libhdf5's own parser of the bytes on disk (libhdf5 is not instrumented, its
// robustness to corrupt files is upstream's). One object per line, fields separated by spaces:
//   g PATH                          group (missing parents are created)
//   d PATH TYPE DIMS [VALUES...]    dataset; DIMS "-" (scalar), "N" or "NxM[x...]"; values are
//                                   cycled to fill it (zeros when there are none)
//   a PATH NAME TYPE VALUE...       attribute of the group or dataset at PATH ("/" = root)
// TYPE: u1 i1 i2 i4 u4 i8 u8 f4 f8, s (variable-length UTF-8 string, the rest of the line),
// S (fixed-length string). Lines that HDF5 refuses (a name taken, a missing object) are skipped.
// fuzz/H5ToText.cpp writes this text for an existing file (how the seeds were made).
#include <hdf5.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "io/H5File.hpp"

namespace efgnn::fuzz {

inline hid_t h5FileType(const std::string& t) {
  if (t == "u1") return H5T_STD_U8LE;
  if (t == "i1") return H5T_STD_I8LE;
  if (t == "i2") return H5T_STD_I16LE;
  if (t == "i4") return H5T_STD_I32LE;
  if (t == "u4") return H5T_STD_U32LE;
  if (t == "i8") return H5T_STD_I64LE;
  if (t == "u8") return H5T_STD_U64LE;
  if (t == "f4") return H5T_IEEE_F32LE;
  if (t == "f8") return H5T_IEEE_F64LE;
  return -1;
}

/// Writes `values` (cycled over `count` elements) as `type` through `write(mem_type, buffer)`.
template <class W>
herr_t h5WriteValues(const std::string& type, const std::vector<std::string>& values, std::size_t count,
                     W&& write) {
  const bool is_float = type[0] == 'f', is_unsigned = type[0] == 'u';
  std::vector<double> d(is_float ? count : 0);
  std::vector<std::int64_t> i(!is_float && !is_unsigned ? count : 0);
  std::vector<std::uint64_t> u(is_unsigned ? count : 0);
  for (std::size_t k = 0; k < count; ++k) {
    const char* v = values.empty() ? "0" : values[k % values.size()].c_str();
    if (is_float) d[k] = std::strtod(v, nullptr);
    else if (is_unsigned) u[k] = std::strtoull(v, nullptr, 0);
    else i[k] = std::strtoll(v, nullptr, 0);
  }
  if (is_float) return write(H5T_NATIVE_DOUBLE, static_cast<const void*>(d.data()));
  if (is_unsigned) return write(H5T_NATIVE_UINT64, static_cast<const void*>(u.data()));
  return write(H5T_NATIVE_INT64, static_cast<const void*>(i.data()));
}

/// Builds the file `path` from `text` (see above); at most `max_elements` numbers in all.
inline void buildH5(std::string_view text, const std::filesystem::path& path,
                    std::size_t max_elements = 1 << 16) {
  const auto lock = h5::lockHdf5();  // also silences HDF5's error printing
  // HDF5 keeps the blocks it frees (its metadata cache is megabytes) instead of handing them back
  // to the system: under AddressSanitizer every file would otherwise map and clear fresh pages.
  static const bool unlimited = H5set_free_list_limits(-1, -1, -1, -1, -1, -1) >= 0;
  (void)unlimited;
  const hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  H5Pset_fapl_core(fapl, 1 << 16, 1);  // in memory, written out on close
  const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  H5Pclose(fapl);
  if (file < 0) std::abort();
  const hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(lcpl, 1);
  std::size_t elements = 0;
  std::istringstream lines{std::string(text)};
  for (std::string line; std::getline(lines, line);) {
    std::istringstream in(line);
    std::string op, where;
    in >> op >> where;
    if (where.empty()) continue;
    if (op == "g") {
      if (where != "/") {
        const hid_t g = H5Gcreate2(file, where.c_str(), lcpl, H5P_DEFAULT, H5P_DEFAULT);
        if (g >= 0) H5Gclose(g);
      }
    } else if (op == "d") {
      std::string type, dims_text;
      in >> type >> dims_text;
      std::vector<std::string> values;
      for (std::string v; in >> v;) values.push_back(v);
      std::vector<hsize_t> dims;
      std::size_t count = 1;
      bool ok = !dims_text.empty();
      if (dims_text != "-") {
        std::istringstream d(dims_text);
        for (std::string n; std::getline(d, n, 'x');) {
          const unsigned long long v = std::strtoull(n.c_str(), nullptr, 10);
          if (n.empty() || v > max_elements || dims.size() == 4) ok = false;
          dims.push_back(v);
          count *= v;
        }
      }
      if (!ok || (dims.empty() && dims_text != "-") || count > max_elements - elements) continue;
      elements += count;
      const bool is_string = type == "s" || type == "S";
      const hid_t ftype = is_string ? H5Tcopy(H5T_C_S1) : H5Tcopy(h5FileType(type));
      if (ftype < 0) continue;
      if (is_string) H5Tset_size(ftype, type == "s" ? H5T_VARIABLE : 8);
      const hid_t space = dims.empty() ? H5Screate(H5S_SCALAR)
                                       : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
      const hid_t dset = H5Dcreate2(file, where.c_str(), ftype, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
      if (dset >= 0 && !is_string && count > 0)
        h5WriteValues(type, values, count, [&](hid_t mem, const void* buf) {
          return H5Dwrite(dset, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
        });
      if (dset >= 0) H5Dclose(dset);
      H5Sclose(space);
      H5Tclose(ftype);
    } else if (op == "a") {
      std::string name, type;
      in >> name >> type;
      std::string rest;
      std::getline(in >> std::ws, rest);
      const hid_t obj = H5Oopen(file, where.c_str(), H5P_DEFAULT);
      if (obj < 0) continue;
      const hid_t space = H5Screate(H5S_SCALAR);
      if (type == "s" || type == "S") {
        const hid_t ftype = H5Tcopy(H5T_C_S1);
        H5Tset_cset(ftype, H5T_CSET_UTF8);
        H5Tset_size(ftype, type == "s" ? H5T_VARIABLE : std::max<std::size_t>(rest.size(), 1));
        const hid_t attr = H5Acreate2(obj, name.c_str(), ftype, space, H5P_DEFAULT, H5P_DEFAULT);
        if (attr >= 0) {
          rest.resize(std::max<std::size_t>(rest.size(), 1));
          const char* p = rest.c_str();
          H5Awrite(attr, ftype, type == "s" ? static_cast<const void*>(&p) : rest.data());
          H5Aclose(attr);
        }
        H5Tclose(ftype);
      } else if (const hid_t ftype = h5FileType(type); ftype >= 0) {
        const hid_t attr = H5Acreate2(obj, name.c_str(), ftype, space, H5P_DEFAULT, H5P_DEFAULT);
        if (attr >= 0) {
          h5WriteValues(type, {rest.empty() ? "0" : rest}, 1,
                        [&](hid_t mem, const void* buf) { return H5Awrite(attr, mem, buf); });
          H5Aclose(attr);
        }
      }
      H5Sclose(space);
      H5Oclose(obj);
    }
  }
  H5Pclose(lcpl);
  if (H5Fclose(file) < 0) std::abort();
}

}  // namespace efgnn::fuzz
