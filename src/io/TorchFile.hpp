#pragma once
// Files written by PyTorch's torch.save (PyTorch 1.6 and later: a zip archive of a pickle and
// one entry per tensor storage), read without PyTorch: the object tree (pickle.hpp values) and
// its tensors as float32 arrays. PyTorch Lightning checkpoints are such files.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "io/Pickle.hpp"
#include "io/ZipArchive.hpp"

namespace efgnn {

struct TorchTensor {
  std::string dtype;                 // the storage's type: "float32", "float64", "int64", ...
  std::vector<std::int64_t> sizes;
  std::vector<float> values;         // row-major, converted to float32
};

class TorchFile {
 public:
  /// Throws Error naming the file when it is not a torch.save archive or its pickle is malformed.
  static TorchFile read(const std::filesystem::path& file);

  const std::filesystem::path& file() const { return zip_.file(); }
  const pickle::Ref& root() const { return root_; }

  /// Whether `v` is a tensor (or a Parameter) that tensor() converts.
  static bool isTensor(const pickle::Value& v);
  /// A tensor's values; `what` names it in messages (a state-dict key).
  TorchTensor tensor(const pickle::Value& v, const std::string& what) const;

 private:
  ZipArchive zip_;
  std::string prefix_;  // the archive's top folder, with its '/'
  pickle::Ref root_;
};

}  // namespace efgnn
