#include <gtest/gtest.h>

#include <fstream>

#include "TempDirTest.hpp"
#include "core/Error.hpp"
#include "eval/PerformancePlots.hpp"
#include "eval/ReportPage.hpp"
#include "eval/TrackMetrics.hpp"

namespace efgnn {
namespace {

TEST(ReportPage, MarkdownAndHtmlShowTheSameBlocks) {
  ReportPage page("A <model>");
  page.heading("Summary");
  page.paragraph("efficiency & purity");
  page.table({"model", "eff | %"}, {{"h48", "99.9"}, {"h<32>", "98.0"}});
  page.image("roc.png", "ROC");
  const std::string md = page.markdown(), html = page.html();
  EXPECT_EQ(md.rfind("# A <model>\n", 0), 0u);
  EXPECT_NE(md.find("## Summary"), std::string::npos);
  EXPECT_NE(md.find("| model | eff \\| % |\n|---|---|\n| h48 | 99.9 |"), std::string::npos) << md;
  EXPECT_NE(md.find("![ROC](roc.png)"), std::string::npos);
  EXPECT_NE(html.find("<h1>A &lt;model&gt;</h1>"), std::string::npos) << html;
  EXPECT_NE(html.find("<td>h&lt;32&gt;</td>"), std::string::npos);
  EXPECT_NE(html.find("<p>efficiency &amp; purity</p>"), std::string::npos);
  EXPECT_NE(html.find("<img src=\"roc.png\""), std::string::npos);
  EXPECT_THROW(page.table({"a", "b"}, {{"only one"}}), Error);
}

class PerformancePlots : public test::TempDirTest {};

TEST_F(PerformancePlots, BinnedSeriesFromTheMetricsJson) {
  BinnedEfficiency b({1, 4, 9, 100});
  b.add(2, true);
  b.add(3, false);
  b.add(50, true);  // bin [4, 9) stays empty
  const YamlNode bins = YamlNode::parse(b.json().dump(), "bins.json");
  const PlotSeries linear = binnedSeries(bins, "lin");
  ASSERT_EQ(linear.x.size(), 2u) << "empty bins are left out";
  EXPECT_DOUBLE_EQ(linear.x[0], 2.5);
  EXPECT_DOUBLE_EQ(linear.y[0], 0.5);
  EXPECT_DOUBLE_EQ(linear.y[1], 1.0);
  EXPECT_DOUBLE_EQ(binnedSeries(bins, "log", true).x[0], 2.0) << "geometric centre on a log axis";
  plotSeries(dir / "eff.png", {"t", "x", "y", true}, {linear});
  std::ifstream png(dir / "eff.png", std::ios::binary);
  char magic[4] = {};
  png.read(magic, 4);
  EXPECT_EQ(std::string(magic + 1, 3), "PNG");
}

TEST_F(PerformancePlots, NothingToDrawStillGivesAPlot) {
  plotSeries(dir / "empty.png", {"t", "x", "y", true, true}, {PlotSeries{"none", {}, {}, {}}});
  EXPECT_TRUE(std::filesystem::exists(dir / "empty.png"));
  const YamlNode h = YamlNode::parse("{bins: 2, target: [0, 0], other_true: [0, 0], fake: [0, 0]}", "h.json");
  plotScoreDistributions(dir / "scores.png", "no edges", h);
  EXPECT_TRUE(std::filesystem::exists(dir / "scores.png"));
}

TEST_F(PerformancePlots, ScoreHistogramOfTheWrongSizeIsRefused) {
  const YamlNode h = YamlNode::parse("{bins: 3, target: [1, 2, 3], other_true: [0, 0, 0], fake: [5, 1]}", "h.json");
  EXPECT_THROW(plotScoreDistributions(dir / "s.png", "scores", h), Error);
  EXPECT_FALSE(std::filesystem::exists(dir / "s.png"));
}

}  // namespace
}  // namespace efgnn
