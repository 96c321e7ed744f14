#pragma once
// Plumbing shared by the libFuzzer targets of fuzz/: readers that take a path get the input
// written to a file of a per-process scratch directory (in /dev/shm when there is one), and
// efgnn::Error, the clean rejection of bad input, is the only exception a target swallows:
// anything else (another exception, a crash, a sanitizer report) is a finding.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "core/Error.hpp"

namespace efgnn::fuzz {

/// The process's scratch directory, created on first use and removed at exit (never destroyed
/// itself, so that the exit handler may still use it).
inline const std::filesystem::path& scratchDir() {
  static const std::filesystem::path* const dir = [] {
    const std::filesystem::path base = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
    std::string tmpl = (base / "efgnn-fuzz-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) std::abort();
    const auto* path = new std::filesystem::path(tmpl);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(scratchDir(), ec);
    });
    return path;
  }();
  return *dir;
}

inline std::string_view text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// Writes `bytes` to scratchDir()/name and returns the path.
inline std::filesystem::path writeScratch(const std::string& name, std::string_view bytes) {
  const auto path = scratchDir() / name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out.flush()) std::abort();
  return path;
}

/// Runs `f`, swallowing efgnn::Error only (printed when EFGNN_FUZZ_VERBOSE is set, to check
/// that a seed is accepted or see why an input is refused).
template <class F>
void rejectsCleanly(F&& f) {
  static const bool verbose = std::getenv("EFGNN_FUZZ_VERBOSE") != nullptr;
  try {
    f();
  } catch (const efgnn::Error& e) {
    if (verbose) std::fprintf(stderr, "refused: %s\n", e.what());
  }
}

}  // namespace efgnn::fuzz
