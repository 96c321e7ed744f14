#pragma once
// PDG particle codes used by the generators and readers.
#include <cstdint>

namespace efgnn::pdg {

inline constexpr int kElectron = 11, kMuon = 13, kPhoton = 22, kPion = 211, kPi0 = 111,
                     kKaon = 321, kK0Short = 310, kK0Long = 130, kProton = 2212, kNeutron = 2112,
                     kLambda = 3122;

/// Electric charge in units of e/3, from the PDG numbering scheme (quark content for hadrons),
/// so that any generator record can be simulated. 0 for codes it cannot interpret.
int charge3(int pdg);
inline int charge(int pdg) { return charge3(pdg) / 3; }

/// Mass in GeV for the species efgnn generates or decays; 0.13957 (pion) for other hadrons.
double mass(int pdg);

bool isLepton(int pdg);
bool isHadron(int pdg);

}  // namespace efgnn::pdg
