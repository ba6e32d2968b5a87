// libFuzzer target for the profile-package decoder and installer, the code a download feeds.
//
// The input is a package; its first byte picks the size of the pieces it is pushed in (as
// segments of a Bound Profile Package arrive). Invariants: a bad package ends in InstallError,
// never another exception or a crash; what installs also survives its card-image form.
#include <cstdint>
#include <cstdlib>

#include "euiccsim/profiles/installer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace euiccsim;
  using namespace euiccsim::profiles;
  if (size == 0) return 0;
  const std::size_t piece = data[0] == 0 ? size : data[0];
  ByteView package(data + 1, size - 1);
  Installer installer;
  try {
    for (std::size_t i = 0; i < package.size(); i += piece)
      installer.push(package.subspan(i, std::min(piece, package.size() - i)));
    InstalledProfile p = installer.finish();
    if (!(deserialize_profile(serialize(p)) == p)) std::abort();
  } catch (const InstallError&) {
  }
  return 0;
}
