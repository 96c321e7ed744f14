// libFuzzer target: a HepMC ASCII file, HepMC2 (IO_GenEvent) or HepMC3 (the reader takes a path;
// the input is written to one). The target keeps its historical name, hepmc3, and corpus.
// Besides crashes, anything the reader (libHepMC3 included) prints on stdout is a finding: stdout
// is sent to a scratch file while it reads, and the run aborts when that file is not empty.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "FuzzUtil.hpp"
#include "io/HepMCReader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = efgnn::fuzz::writeScratch("input.hepmc", efgnn::fuzz::text(data, size));
  static const int captured = [] {
    const int fd = ::open((efgnn::fuzz::scratchDir() / "stdout").c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) std::abort();
    return fd;
  }();
  std::cout.flush();
  std::fflush(stdout);
  const int saved = ::dup(1);
  if (saved < 0 || ::dup2(captured, 1) < 0) std::abort();
  efgnn::fuzz::rejectsCleanly([&] { efgnn::readHepMC(file, 0); });
  std::cout.flush();
  std::fflush(stdout);
  if (::dup2(saved, 1) < 0) std::abort();
  ::close(saved);
  if (::lseek(captured, 0, SEEK_END) != 0) {
    char printed[256] = {};
    const ssize_t n = ::pread(captured, printed, sizeof printed - 1, 0);
    std::fprintf(stderr, "the HepMC reader printed on stdout: %.*s\n", static_cast<int>(n > 0 ? n : 0), printed);
    std::abort();
  }
  return 0;
}
