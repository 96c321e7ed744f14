#pragma once
// The plots of a performance report, drawn with gnuplot from the JSON the
// metrics write (EdgeMetrics, TrackMetrics, BinnedEfficiency), read back as
// YAML (JSON is YAML).
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "core/Yaml.hpp"

namespace efgnn {

/// One curve: points with optional vertical errors.
struct PlotSeries {
  std::string label;
  std::vector<double> x, y, error;  // error empty: none
};

struct PlotAxes {
  std::string title, xlabel, ylabel;
  bool log_x = false, log_y = false;
  double y_min = NAN, y_max = NAN;  // NAN: gnuplot chooses
};

/// The bins of a BinnedEfficiency JSON ([{lo, hi, total, passed, efficiency,
/// error}]) as points at the bin centres (geometric centre with a log axis);
/// empty bins are left out.
PlotSeries binnedSeries(const YamlNode& bins, std::string label, bool log_x = false);

/// A ROC curve (EdgeMetrics "roc": efficiency versus fake acceptance).
PlotSeries rocSeries(const YamlNode& roc, std::string label);

/// Curves on one set of axes: points with error bars and lines where the series
/// has errors.
void plotSeries(const std::filesystem::path& png, const PlotAxes& axes, const std::vector<PlotSeries>& series);

/// Edge score distributions (EdgeMetrics "score_histogram") of target, other
/// true and fake edges, each normalised to unit area, on a log scale.
void plotScoreDistributions(const std::filesystem::path& png, const std::string& title, const YamlNode& histogram);

}  // namespace efgnn
