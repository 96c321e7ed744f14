#include "eval/PerformancePlots.hpp"

#include <cmath>
#include <sstream>

#include "core/Gnuplot.hpp"

namespace efgnn {
namespace {
constexpr const char* kNoData =
    "unset logscale\nset xrange [0:1]\nset yrange [0:1]\nset label 'no data' at graph 0.5, 0.5 center\n"
    "plot 2 notitle\n";

/// "plot A, B, ..." or, without anything to plot, axes that say so (gnuplot refuses a plot
/// without points).
void drawOrSayEmpty(std::ostream& gp, const std::vector<std::string>& plots) {
  if (plots.empty()) {
    gp << kNoData;
    return;
  }
  gp << "plot ";
  for (std::size_t i = 0; i < plots.size(); ++i) gp << (i ? ", " : "") << plots[i];
  gp << "\n";
}
}  // namespace

PlotSeries binnedSeries(const YamlNode& bins, std::string label, bool log_x) {
  PlotSeries s{std::move(label), {}, {}, {}};
  for (std::size_t i = 0; i < bins.size(); ++i) {
    const YamlNode b = bins.at(i);
    if (b["total"].asDouble() <= 0) continue;
    const double lo = b["lo"].asDouble(), hi = b["hi"].asDouble();
    s.x.push_back(log_x && lo > 0 ? std::sqrt(lo * hi) : 0.5 * (lo + hi));
    s.y.push_back(b["efficiency"].asDouble());
    s.error.push_back(b["error"].asDouble());
  }
  return s;
}

PlotSeries rocSeries(const YamlNode& roc, std::string label) {
  PlotSeries s{std::move(label), {}, {}, {}};
  for (std::size_t i = 0; i < roc.size(); ++i) {
    const YamlNode p = roc.at(i);
    const double fake = p["fake_acceptance"].asDouble();
    if (fake <= 0) continue;  // not on a log axis
    s.x.push_back(fake);
    s.y.push_back(p["efficiency"].asDouble());
  }
  return s;
}

void plotSeries(const std::filesystem::path& png, const PlotAxes& axes, const std::vector<PlotSeries>& series) {
  std::ostringstream gp;
  gp.precision(10);
  for (std::size_t k = 0; k < series.size(); ++k) {
    gp << "$d" << k << " << EOD\n";
    const auto& s = series[k];
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      gp << s.x[i] << ' ' << s.y[i];
      if (!s.error.empty()) gp << ' ' << s.error[i];
      gp << '\n';
    }
    gp << "EOD\n";
  }
  gp << "set title " << gnuplotQuote(axes.title) << "\nset xlabel " << gnuplotQuote(axes.xlabel) << "\nset ylabel "
     << gnuplotQuote(axes.ylabel) << "\nset grid\nset key bottom right\n";
  if (axes.log_x) gp << "set logscale x\n";
  if (axes.log_y) gp << "set logscale y\n";
  if (!std::isnan(axes.y_min) || !std::isnan(axes.y_max)) {
    gp << "set yrange [";
    if (!std::isnan(axes.y_min)) gp << axes.y_min;
    gp << ":";
    if (!std::isnan(axes.y_max)) gp << axes.y_max;
    gp << "]\n";
  }
  std::vector<std::string> plots;
  for (std::size_t k = 0; k < series.size(); ++k)
    if (!series[k].x.empty())
      plots.push_back("$d" + std::to_string(k) +
                      (series[k].error.empty() ? " using 1:2 with lines lw 2" : " using 1:2:3 with yerrorlines pt 7 ps 0.8") +
                      " title " + gnuplotQuote(series[k].label));
  drawOrSayEmpty(gp, plots);
  renderGnuplotPng(png, gp.str());
}

void plotScoreDistributions(const std::filesystem::path& png, const std::string& title, const YamlNode& histogram) {
  const auto bins = static_cast<std::size_t>(histogram["bins"].asInt());
  std::ostringstream gp;
  gp.precision(10);
  const std::pair<const char*, const char*> classes[] = {{"target", "target (true) edges"},
                                                         {"other_true", "other true edges (masked in the loss)"},
                                                         {"fake", "fake edges"}};
  int k = 0;
  std::vector<std::string> plots;
  for (const auto& [key, label] : classes) {
    const auto counts = histogram[key].asDoubles();
    if (counts.size() != bins) throw histogram[key].error("expected " + std::to_string(bins) + " bins");
    double total = 0;
    for (const double c : counts) total += c;
    if (total <= 0) continue;
    gp << "$h" << k << " << EOD\n";
    for (std::size_t b = 0; b < bins; ++b)
      gp << (b + 0.5) / bins << ' ' << (counts[b] > 0 ? counts[b] / total * bins : NAN) << '\n';
    gp << "EOD\n";
    plots.push_back("$h" + std::to_string(k) + " using 1:2 with histeps lw 2 title " + gnuplotQuote(label));
    ++k;
  }
  gp << "set title " << gnuplotQuote(title)
     << "\nset xlabel 'edge score'\nset ylabel 'density (each class normalised)'\nset logscale y\nset grid\n"
        "set key top center\nset xrange [0:1]\n";
  drawOrSayEmpty(gp, plots);
  renderGnuplotPng(png, gp.str());
}

}  // namespace efgnn
