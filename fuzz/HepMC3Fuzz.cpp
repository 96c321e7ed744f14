// libFuzzer target: a HepMC3 ASCII file (the reader takes a path; the input is written to one).
#include <HepMC3/Setup.h>

#include "FuzzUtil.hpp"
#include "io/HepMC3Reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool quiet = [] {  // libHepMC3 prints every parse error on stderr
    HepMC3::Setup::set_print_errors(false);
    HepMC3::Setup::set_print_warnings(false);
    return true;
  }();
  (void)quiet;
  const auto file = efgnn::fuzz::writeScratch("input.hepmc3", efgnn::fuzz::text(data, size));
  efgnn::fuzz::rejectsCleanly([&] { efgnn::readHepMC3(file, 0); });
  return 0;
}
