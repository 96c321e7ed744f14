#pragma once
// PNG plots through the gnuplot program (Debian gnuplot-nox): callers write the plotting
// commands, this runs them with a PNG terminal and writes the image atomically.
//
// No file name ever appears in a script: gnuplot runs without a shell, in a private temporary
// directory, and writes a fixed name there that is then copied to the destination. Strings from
// users (labels, titles) go in through gnuplotQuote, data-block columns through gnuplotDataString.
#include <filesystem>
#include <string>

namespace efgnn {

/// Renders `script` (gnuplot commands without terminal or output; data as inline datablocks,
/// `$name << EOD ... EOD`) to the PNG `out`. Text is drawn as given (the terminal is
/// `noenhanced`). Throws Error with gnuplot's message when it fails.
void renderGnuplotPng(const std::filesystem::path& out, const std::string& script, int width = 900, int height = 600);

/// `text` as a gnuplot string literal that gnuplot takes verbatim: single-quoted (no backquote
/// command substitution, no '@' macro expansion, no backslash escapes), a quote doubled, control
/// characters (newlines included) replaced by spaces.
std::string gnuplotQuote(const std::string& text);

/// `text` as one string column of a datablock line: double-quoted, with double quotes replaced
/// by single ones and control characters by spaces (datablock lines are not expanded).
std::string gnuplotDataString(const std::string& text);

}  // namespace efgnn
