#pragma once
// PNG plots through the gnuplot program (Debian gnuplot-nox): callers write the plotting
// commands, this runs them with a PNG terminal and writes the image atomically.
#include <filesystem>
#include <string>

namespace efgnn {

/// Renders `script` (gnuplot commands without terminal or output; data may be inline
/// datablocks, `$name << EOD ... EOD`) to the PNG `out`. Throws Error with gnuplot's message
/// when it fails.
void renderGnuplotPng(const std::filesystem::path& out, const std::string& script, int width = 900, int height = 600);

/// Quotes a string for a gnuplot script (titles, labels, file names).
std::string gnuplotQuote(const std::string& text);

}  // namespace efgnn
