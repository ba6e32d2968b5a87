// Writes a version 2 card image with the encoder of euicc-sim 7bb3a3d, the commit that defined
// version 2 (README.md in this directory has the commands). That commit's command line could
// not yet put a profile on a card, so this program does, with that commit's own installer and
// save_image: an SGP.22 card with SVN 2.2.2 and one ISD-P per package, the first enabled.
//   make-v2 IMAGE PACKAGE.der...
#include <fstream>
#include <iostream>
#include <iterator>

#include "euiccsim/profiles/installer.hpp"
#include "euiccsim/simulator/card_image.hpp"

using namespace euiccsim;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: make-v2 IMAGE PACKAGE.der...\n";
    return 2;
  }
  CardState state(*Eid::parse("89049032123451234512345678901235"));
  state.config.svn = Version{2, 2, 2};
  for (int i = 2; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    const Bytes der((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    state.add_profile(profiles::install_package(der), i == 2);
  }
  sim::save_image(argv[1], state);
  return 0;
}
