// efgnn command line: one executable, one subcommand per pipeline stage.
#include <cstdio>
#include <exception>
#include <filesystem>

#include "cli/Commands.hpp"
#include "cli/Common.hpp"
#include "core/Allocator.hpp"
#include "core/Error.hpp"
#include "core/Json.hpp"
#include "model/TorchThreads.hpp"
#include "runtime/EdgeClassifier.hpp"

namespace efgnn::cli {

void printJson(const Json& json) { std::printf("%s\n", json.dump(2).c_str()); }

}  // namespace efgnn::cli

int main(int argc, char** argv) {
  efgnn::keepFreedMemoryForReuse();  // first: before any thread or large allocation
  efgnn::selectOpenBlasKernels(argv);
  CLI::App app{"efgnn: GNN-based charged-particle tracking for an Event Filter"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "efgnn 0.1.0");
  efgnn::cli::addGeometryCommand(app);
  efgnn::cli::addSimulateCommand(app);
  efgnn::cli::addEventDisplayCommand(app);
  efgnn::cli::addCalibrationCommand(app);
  efgnn::cli::addEventStatsCommand(app);
  efgnn::cli::addBuildModuleMapCommand(app);
  efgnn::cli::addBuildGraphsCommand(app);
  efgnn::cli::addGraphStatsCommand(app);
  efgnn::cli::addSummaryCommand(app);
  efgnn::cli::addTrainCommand(app);
  efgnn::cli::addEvalCommand(app);
  efgnn::cli::addBenchTrainCommand(app);
  efgnn::cli::addDistillCommand(app);
  efgnn::cli::addCompressCommands(app);
  efgnn::cli::addReconstructCommand(app);
  efgnn::cli::addReportCommand(app);
  efgnn::cli::addExportCommand(app);
  efgnn::cli::addImportCommand(app);
  efgnn::cli::addBenchCommand(app);
  efgnn::cli::checkNumericOptions(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version succeed (0); every bad command line (unknown option, a value that
    // does not convert or is out of range) is bad input like any other: exit status 1, not
    // CLI11's own codes (104, 105, 106 ...), so that scripts see one code for user errors.
    const int code = app.exit(e);
    return code == 0 ? 0 : 1;
  } catch (const efgnn::Error& e) {
    std::fprintf(stderr, "efgnn: error: %s\n", e.what());
    return 1;
  } catch (const efgnn::runtime::ModelFileError& e) {  // the runtime's own, LibTorch-free errors
    std::fprintf(stderr, "efgnn: error: %s\n", e.what());
    return 1;
  } catch (const efgnn::runtime::InputError& e) {
    std::fprintf(stderr, "efgnn: error: %s\n", e.what());
    return 1;
  } catch (const std::filesystem::filesystem_error& e) {  // the machine's, not efgnn's: disk full, permissions
    std::fprintf(stderr, "efgnn: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "efgnn: internal error: %s\n", e.what());
    return 2;
  }
  return 0;
}
