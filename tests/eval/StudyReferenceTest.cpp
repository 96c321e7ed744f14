#include <gtest/gtest.h>

#include "eval/StudyReference.hpp"

namespace efgnn {
namespace {

TEST(StudyReference, FiguresOfTheStudysTablesAt80Events) {
  const auto h48 = studyFigureAt80Events({});
  ASSERT_TRUE(h48);
  EXPECT_DOUBLE_EQ(h48->efficiency, 94.6);
  EXPECT_DOUBLE_EQ(h48->total_purity, 82.9);
  EXPECT_DOUBLE_EQ(studyFigureAt80Events({.hidden = 16})->efficiency, 83.86);
  EXPECT_DOUBLE_EQ(studyFigureAt80Events({.iterations = 2})->total_purity, 66.1);
  EXPECT_DOUBLE_EQ(studyFigureAt80Events({.norm = "batchnorm"})->efficiency, 88.9);
  EXPECT_DOUBLE_EQ(studyFigureAt80Events({.hidden = 128, .recurrent = true})->efficiency, 96.31);
  EXPECT_DOUBLE_EQ(studyFigureAt80Events({.weight_bits = 6})->total_purity, 82.84);
  // Models the study's tables do not have.
  EXPECT_FALSE(studyFigureAt80Events({.hidden = 40}));
  EXPECT_FALSE(studyFigureAt80Events({.hidden = 64, .weight_bits = 6}));
  EXPECT_FALSE(studyFigureAt80Events({.norm = "none"}));
}

}  // namespace
}  // namespace efgnn
