#pragma once
// An HDF5 event store that declares far more rows than it holds: what a damaged or hostile
// file looks like to a reader that trusts shapes (tests of the size checks, issue 28).
#include <hdf5.h>

#include <cstdint>
#include <filesystem>
#include <vector>

#include "io/EventStoreH5.hpp"

namespace efgnn::test {

/// An event store whose event 1 declares 5e7 hits in datasets that hold (almost) nothing:
/// `chunked` with deflate (as h5py's compression="gzip"), else contiguous.
inline void writeHollowEventStore(const std::filesystem::path& file, bool chunked) {
  const hid_t id = H5Fcreate(file.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  const hid_t scalar = H5Screate(H5S_SCALAR);
  const hid_t str = H5Tcopy(H5T_C_S1);
  H5Tset_size(str, H5T_VARIABLE);
  const char* format = "efgnn-events";
  hid_t a = H5Acreate2(id, "format", str, scalar, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(a, str, &format);
  H5Aclose(a);
  const int version = kEventStoreVersion;
  a = H5Acreate2(id, "version", H5T_STD_I32LE, scalar, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(a, H5T_NATIVE_INT, &version);
  H5Aclose(a);
  const hid_t event = H5Gcreate2(id, "event000000001", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  const std::uint64_t event_id = 1;
  a = H5Acreate2(event, "event_id", H5T_STD_U64LE, scalar, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(a, H5T_NATIVE_UINT64, &event_id);
  H5Aclose(a);
  const hid_t hits = H5Gcreate2(event, "hits", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  const hsize_t rows = 50'000'000, chunk = 1'000'000;
  const hid_t space = H5Screate_simple(1, &rows, nullptr);
  const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  if (chunked) {
    H5Pset_chunk(dcpl, 1, &chunk);
    H5Pset_deflate(dcpl, 9);
  }
  const hid_t ds = H5Dcreate2(hits, "hit_id", H5T_STD_U64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  if (chunked) {  // one chunk of zeros actually written: ~1 KB compressed
    const std::vector<std::uint64_t> zeros(chunk, 0);
    const hid_t file_space = H5Dget_space(ds);
    const hsize_t start = 0;
    H5Sselect_hyperslab(file_space, H5S_SELECT_SET, &start, nullptr, &chunk, nullptr);
    const hid_t memory = H5Screate_simple(1, &chunk, nullptr);
    H5Dwrite(ds, H5T_NATIVE_UINT64, memory, file_space, H5P_DEFAULT, zeros.data());
    H5Sclose(memory);
    H5Sclose(file_space);
  }
  H5Dclose(ds);
  H5Pclose(dcpl);
  H5Sclose(space);
  H5Gclose(hits);
  H5Gclose(event);
  H5Tclose(str);
  H5Sclose(scalar);
  H5Fclose(id);
}

}  // namespace efgnn::test
