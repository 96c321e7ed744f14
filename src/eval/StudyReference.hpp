#pragma once
// The study this project follows (REFERENCE.md section 12): its edgewise efficiency and total
// purity at the same budget of 80 training events (ITk ttbar, <mu> = 200, graphs of every hit),
// so that tables of efgnn's runs can show them beside their own.
#include <optional>
#include <string>

namespace efgnn {

/// A model as the study's tables tell them apart.
struct StudyModel {
  int hidden = 48, iterations = 8;
  std::string norm = "layernorm";  // "layernorm", "batchnorm" or "none"
  bool recurrent = false;
  int weight_bits = 0;  // 0: float
};

struct StudyFigure {
  double efficiency = 0, total_purity = 0;  // [%]
};

/// The study's figure for this model at 80 training events, if its tables have one (unpruned,
/// undistilled models only).
std::optional<StudyFigure> studyFigureAt80Events(const StudyModel& model);

}  // namespace efgnn
