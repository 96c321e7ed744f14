#include "core/Gnuplot.hpp"

#include <fstream>

#include "core/AtomicFile.hpp"
#include "core/Error.hpp"
#include "core/Process.hpp"
#include "core/TempDir.hpp"

namespace efgnn {

namespace fs = std::filesystem;

namespace {
bool isControl(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }
}  // namespace

std::string gnuplotQuote(const std::string& text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'') {
      out += "''";
    } else {
      out += isControl(c) ? ' ' : c;
    }
  }
  return out + "'";
}

std::string gnuplotDataString(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) out += c == '"' ? '\'' : isControl(c) ? ' ' : c;
  return out + "\"";
}

void renderGnuplotPng(const fs::path& out, const std::string& script, int width, int height) {
  // Fixed names in a private directory: neither `out` nor the temporary directory's path (TMPDIR)
  // reaches the script.
  const TempDir work("efgnn-gnuplot");
  {
    std::ofstream gp(work.path() / "plot.gp");
    gp << "set terminal pngcairo noenhanced size " << width << "," << height << " font 'sans,11'\n"
       << "set output 'plot.png'\n"
       << script << "\nunset output\n";
    if (!gp) throw Error((work.path() / "plot.gp").string() + ": cannot write the gnuplot script");
  }
  ProcessOptions options;
  options.stdin_file = "/dev/null";
  options.stderr_file = work.path() / "gnuplot.log";
  options.working_dir = work.path();
  options.missing_hint = "is gnuplot-nox installed? scripts/install-deps.sh installs it";
  ProcessResult result;
  try {
    result = runProcess({"gnuplot", "plot.gp"}, options);
  } catch (const Error& e) {
    throw Error(out.string() + ": " + e.what());
  }
  if (!result.ok() || !fs::exists(work.path() / "plot.png")) {
    std::string message;
    try {
      message = readFile(work.path() / "gnuplot.log");
    } catch (const Error&) {
    }
    throw Error(out.string() + ": gnuplot failed (" + result.describe() + "): " + message);
  }
  // Copied, not renamed: the temporary directory may be on another file system.
  AtomicFile png(out);
  std::error_code ec;
  fs::copy_file(work.path() / "plot.png", png.tempPath(), fs::copy_options::overwrite_existing, ec);
  if (ec) throw Error(out.string() + ": cannot write: " + ec.message());
  png.commit();
}

}  // namespace efgnn
