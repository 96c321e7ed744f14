#pragma once
// Each subcommand lives in its own file and registers itself on the top-level app. A
// registration returns nothing; the subcommand's callback does the work and throws
// efgnn::Error for bad input, which main() turns into a message and exit code 1.
#include <CLI/CLI.hpp>

#include "core/Json.hpp"

namespace efgnn::cli {

void addGeometryCommand(CLI::App& app);
void addSimulateCommand(CLI::App& app);
void addEventDisplayCommand(CLI::App& app);
void addCalibrationCommand(CLI::App& app);
void addEventStatsCommand(CLI::App& app);
void addBuildModuleMapCommand(CLI::App& app);
void addBuildGraphsCommand(CLI::App& app);
void addGraphStatsCommand(CLI::App& app);
void addSummaryCommand(CLI::App& app);
void addTrainCommand(CLI::App& app);
void addEvalCommand(CLI::App& app);
void addBenchTrainCommand(CLI::App& app);
void addDistillCommand(CLI::App& app);
void addReconstructCommand(CLI::App& app);
void addReportCommand(CLI::App& app);
void addExportCommand(CLI::App& app);
void addImportCommand(CLI::App& app);
void addBenchCommand(CLI::App& app);
/// prune, scan
void addCompressCommands(CLI::App& app);

/// Prints one JSON object on stdout (for --json).
void printJson(const Json& json);

}  // namespace efgnn::cli
