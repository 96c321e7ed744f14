#include <gtest/gtest.h>

#include <limits>

#include "IoTestUtil.hpp"
#include "io/H5File.hpp"

namespace efgnn {
namespace {

using test::expectError;
using test::TempDir;

template <class T>
class H5FileElement : public ::testing::Test {};
using ElementTypes = ::testing::Types<std::uint8_t, std::int32_t, std::uint32_t, std::int64_t,
                                      std::uint64_t, float, double>;
TYPED_TEST_SUITE(H5FileElement, ElementTypes);

TYPED_TEST(H5FileElement, RoundTripsExtremeValuesIn1DAnd2D) {
  using T = TypeParam;
  using Limits = std::numeric_limits<T>;
  TempDir dir;
  const auto file = dir / "a.h5";
  const std::vector<T> values{Limits::lowest(), Limits::max(), Limits::min(), T{0}, T{7}, T{1}};
  {
    const auto lock = h5::lockHdf5();
    h5::NewFile out(file);
    out.root().writeAttribute("value", Limits::max());
    {
      const h5::Group g = out.root().createGroup("g");
      g.writeDataset("column", values);
      g.writeDataset2D("matrix", values, 2, 3);
      g.writeDataset2D("empty", std::vector<T>{}, 0, 3);
    }
    out.commit();
  }
  const auto lock = h5::lockHdf5();
  const h5::Group root = h5::openFile(file);
  EXPECT_EQ(root.readAttribute<T>("value"), Limits::max());
  const h5::Group g = root.openGroup("g");
  EXPECT_EQ(g.readDataset<T>("column"), values);
  EXPECT_EQ(g.readDataset<T>("column", 6), values);
  EXPECT_EQ(g.readDataset2D<T>("matrix", 2, 3), values);
  EXPECT_EQ(g.readDataset2D<T>("matrix", h5::kAny, 3), values);
  EXPECT_EQ(g.readDataset2D<T>("matrix", 2, h5::kAny), values);
  EXPECT_TRUE(g.readDataset2D<T>("empty", 0, 3).empty());
  EXPECT_TRUE(g.readDataset2D<T>("empty", h5::kAny, 3).empty());
}

/// A file with group "g" holding a float matrix [2, 3] and a float column [4].
std::filesystem::path writeSample(const TempDir& dir) {
  const auto file = dir / "sample.h5";
  const auto lock = h5::lockHdf5();
  h5::NewFile out(file);
  h5::writeFormat(out.root(), "efgnn-sample", 2);
  {
    const h5::Group g = out.root().createGroup("g");
    g.writeDataset2D("matrix", std::vector<float>{1, 2, 3, 4, 5, 6}, 2, 3);
    g.writeDataset("column", std::vector<float>{1, 2, 3, 4});
  }
  out.commit();
  return file;
}

TEST(H5File, ChecksShapesNamingFileGroupAndDataset) {
  TempDir dir;
  const auto file = writeSample(dir);
  const auto lock = h5::lockHdf5();
  const h5::Group g = h5::openFile(file).openGroup("g");
  const std::string where = file.string() + ": group 'g', dataset ";
  expectError([&] { g.readDataset2D<float>("matrix", 3, 2); },
              {where + "'matrix': has shape [2, 3], expected [3, 2]"});
  expectError([&] { g.readDataset2D<float>("matrix", h5::kAny, 4); },
              {where + "'matrix'", "expected [any, 4]"});
  expectError([&] { g.readDataset<float>("matrix"); },
              {where + "'matrix'", "2-dimensional, expected 1-dimensional"});
  expectError([&] { g.readDataset2D<float>("column", 4, 1); },
              {where + "'column'", "1-dimensional, expected 2-dimensional"});
  expectError([&] { g.readDataset<float>("column", 5); },
              {where + "'column': has 4 entries, expected 5"});
  expectError([&] { g.readDataset2D<std::int32_t>("matrix", 2, 3); },
              {where + "'matrix'", "not integer"});
  expectError([&] { g.readDataset<float>("nothing"); }, {where + "'nothing': missing"});
  expectError([&] { g.openGroup("sub"); }, {file.string(), "group 'sub'", "missing"});
}

TEST(H5File, RefusesToWriteValuesThatDoNotFillTheShape) {
  TempDir dir;
  const auto lock = h5::lockHdf5();
  h5::NewFile out(dir / "a.h5");
  expectError([&] { out.root().writeDataset2D("m", std::vector<double>(5), 2, 3); },
              {"a.h5", "dataset 'm'", "5 values", "[2, 3]"});
}

TEST(H5File, CommitRefusesWhileAGroupIsOpen) {
  TempDir dir;
  const auto lock = h5::lockHdf5();
  h5::NewFile out(dir / "a.h5");
  const h5::Group g = out.root().createGroup("g");
  expectError([&] { out.commit(); }, {"a.h5", "cannot write"});
  EXPECT_FALSE(std::filesystem::exists(dir / "a.h5"));
}

TEST(H5File, UncommittedFileLeavesNothing) {
  TempDir dir;
  {
    const auto lock = h5::lockHdf5();
    h5::NewFile out(dir / "a.h5");
    out.root().writeDataset("x", std::vector<float>{1, 2});
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(H5File, AttributesAndMembers) {
  TempDir dir;
  const auto file = dir / "a.h5";
  {
    const auto lock = h5::lockHdf5();
    h5::NewFile out(file);
    out.root().writeAttribute("name", std::string("\xc3\xa9t\xc3\xa9"));  // UTF-8
    out.root().writeAttribute("empty", std::string());
    out.root().createGroup("b");
    out.root().createGroup("a");
    out.commit();
  }
  const auto lock = h5::lockHdf5();
  const h5::Group root = h5::openFile(file);
  EXPECT_EQ(root.readAttribute<std::string>("name"), "\xc3\xa9t\xc3\xa9");
  EXPECT_EQ(root.readAttribute<std::string>("empty"), "");
  EXPECT_EQ(root.names(), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(root.contains("a"));
  EXPECT_FALSE(root.contains("c"));
  EXPECT_TRUE(root.hasAttribute("name"));
  expectError([&] { root.readAttribute<std::int32_t>("name"); },
              {file.string(), "attribute 'name'", "not integer"});
  expectError([&] { root.readAttribute<std::string>("none"); },
              {file.string(), "attribute 'none'", "missing"});
}

TEST(H5File, FormatAndVersion) {
  TempDir dir;
  const auto file = writeSample(dir);
  const auto lock = h5::lockHdf5();
  const h5::Group root = h5::openFile(file);
  EXPECT_EQ(h5::readFormat(root, "efgnn-sample", 2), 2);
  EXPECT_EQ(h5::readFormat(root, "efgnn-sample", 3), 2);
  expectError([&] { h5::readFormat(root, "efgnn-sample", 1); },
              {file.string(), "version 2 is newer", "(1)"});
  expectError([&] { h5::readFormat(root, "efgnn-other", 2); },
              {file.string(), "not in format 'efgnn-other' (format 'efgnn-sample')"});
  expectError([&] { h5::readFormat(root.openGroup("g"), "efgnn-sample", 2); },
              {file.string(), "no 'format' attribute"});
}

TEST(H5File, OpenFileRejectsMissingAndForeignFiles) {
  TempDir dir;
  test::writeText(dir / "text.h5", "not HDF5 at all");
  const auto lock = h5::lockHdf5();
  expectError([&] { h5::openFile(dir / "none.h5"); }, {"none.h5", "no such file"});
  expectError([&] { h5::openFile(dir / "text.h5"); }, {"text.h5", "not an HDF5 file"});
}

}  // namespace
}  // namespace efgnn
