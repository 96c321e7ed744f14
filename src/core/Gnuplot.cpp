#include "core/Gnuplot.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "core/AtomicFile.hpp"
#include "core/Error.hpp"

namespace efgnn {

std::string gnuplotQuote(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

void renderGnuplotPng(const std::filesystem::path& out, const std::string& script, int width, int height) {
  AtomicFile png(out);
  const std::filesystem::path commands = png.tempPath().string() + ".gp", log = png.tempPath().string() + ".log";
  struct Cleanup {
    std::filesystem::path a, b;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove(a, ec);
      std::filesystem::remove(b, ec);
    }
  } cleanup{commands, log};
  {
    std::ofstream gp(commands);
    gp << "set terminal pngcairo size " << width << "," << height << " font 'sans,11'\n"
       << "set output " << gnuplotQuote(png.tempPath().string()) << "\n"
       << script << "\nunset output\n";
    if (!gp) throw Error(commands.string() + ": cannot write the gnuplot script");
  }
  const std::string cmd = "gnuplot '" + commands.string() + "' 2> '" + log.string() + "'";
  if (std::system(cmd.c_str()) != 0) {
    std::string message;
    try {
      message = readFile(log);
    } catch (const Error&) {
    }
    throw Error(out.string() + ": gnuplot failed (is gnuplot-nox installed? scripts/install-deps.sh installs it): " +
                message);
  }
  png.commit();
}

}  // namespace efgnn
