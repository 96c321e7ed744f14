// Prints an HDF5 file in the text of H5Text.hpp (how the seeds of the HDF5 fuzz targets were made
// from files that efgnn wrote): h5_to_text FILE > fuzz/corpus/TARGET/NAME.txt
// At most `max` (second argument, default 64) values per dataset are printed; the fuzz builder
// cycles them to fill the dataset.
#include <hdf5.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

namespace {

std::size_t max_values = 64;

std::string typeName(hid_t type) {
  const std::size_t size = H5Tget_size(type);
  switch (H5Tget_class(type)) {
    case H5T_INTEGER: {
      const bool is_signed = H5Tget_sign(type) == H5T_SGN_2;
      return std::string(is_signed ? "i" : "u") + std::to_string(size);
    }
    case H5T_FLOAT: return "f" + std::to_string(size);
    case H5T_STRING: return H5Tis_variable_str(type) > 0 ? "s" : "S";
    default: return "?";
  }
}

std::string values(hid_t type, std::size_t count, const std::function<herr_t(hid_t, void*)>& read) {
  std::string out;
  char buf[64];
  if (H5Tget_class(type) == H5T_FLOAT) {
    std::vector<double> v(count);
    read(H5T_NATIVE_DOUBLE, v.data());
    for (std::size_t i = 0; i < count && i < max_values; ++i)
      out += std::string(" ") + (std::snprintf(buf, sizeof buf, "%.17g", v[i]), buf);
  } else if (H5Tget_class(type) == H5T_INTEGER && H5Tget_sign(type) != H5T_SGN_2) {
    std::vector<unsigned long long> v(count);
    read(H5T_NATIVE_ULLONG, v.data());
    for (std::size_t i = 0; i < count && i < max_values; ++i) out += " " + std::to_string(v[i]);
  } else if (H5Tget_class(type) == H5T_INTEGER) {
    std::vector<long long> v(count);
    read(H5T_NATIVE_LLONG, v.data());
    for (std::size_t i = 0; i < count && i < max_values; ++i) out += " " + std::to_string(v[i]);
  }
  return out;
}

herr_t attribute(hid_t obj, const char* name, const H5A_info_t*, void* path) {
  const hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
  const hid_t type = H5Aget_type(attr);
  std::string line = "a " + *static_cast<std::string*>(path) + " " + name + " " + typeName(type);
  if (H5Tget_class(type) == H5T_STRING) {
    const hid_t mem = H5Tcopy(H5T_C_S1);
    H5Tset_cset(mem, H5Tget_cset(type));
    if (H5Tis_variable_str(type) > 0) {
      H5Tset_size(mem, H5T_VARIABLE);
      char* s = nullptr;
      if (H5Aread(attr, mem, &s) >= 0 && s) line += std::string(" ") + s;
      H5free_memory(s);
    } else {
      std::string s(H5Tget_size(type), '\0');
      H5Tset_size(mem, s.size());
      if (H5Aread(attr, mem, s.data()) >= 0) line += " " + s.substr(0, s.find('\0'));
    }
    H5Tclose(mem);
  } else {
    line += values(type, 1, [&](hid_t mem, void* buf) { return H5Aread(attr, mem, buf); });
  }
  std::printf("%s\n", line.c_str());
  H5Tclose(type);
  H5Aclose(attr);
  return 0;
}

herr_t object(hid_t root, const char* name, const H5L_info_t*, void*) {
  std::string path = std::string("/") + name;
  const hid_t obj = H5Oopen(root, name, H5P_DEFAULT);
  if (H5Iget_type(obj) == H5I_GROUP) {
    std::printf("g %s\n", path.c_str());
  } else if (H5Iget_type(obj) == H5I_DATASET) {
    const hid_t type = H5Dget_type(obj), space = H5Dget_space(obj);
    const int rank = H5Sget_simple_extent_ndims(space);
    std::vector<hsize_t> dims(rank);
    H5Sget_simple_extent_dims(space, dims.data(), nullptr);
    std::string shape;
    std::size_t count = 1;
    for (const auto d : dims) shape += (shape.empty() ? "" : "x") + std::to_string(d), count *= d;
    std::printf("d %s %s %s%s\n", path.c_str(), typeName(type).c_str(), rank == 0 ? "-" : shape.c_str(),
                values(type, count, [&](hid_t mem, void* buf) {
                  return H5Dread(obj, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
                }).c_str());
    H5Sclose(space);
    H5Tclose(type);
  }
  H5Aiterate2(obj, H5_INDEX_NAME, H5_ITER_INC, nullptr, attribute, &path);
  H5Oclose(obj);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: h5_to_text FILE [MAX_VALUES_PER_DATASET]\n");
    return 2;
  }
  if (argc > 2) max_values = std::strtoull(argv[2], nullptr, 10);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const hid_t file = H5Fopen(argv[1], H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0) return 1;
  std::string root = "/";
  H5Aiterate2(file, H5_INDEX_NAME, H5_ITER_INC, nullptr, attribute, &root);
  H5Lvisit(file, H5_INDEX_NAME, H5_ITER_INC, object, nullptr);
  H5Fclose(file);
  return 0;
}
