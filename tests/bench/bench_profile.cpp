// Decode + validate + install time per profile package, and the size of the installed image.
// Arguments: profile packages or directories of them (the reference TS.48 profiles in CI).
// Prints numbers; never fails on speed.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "euiccsim/profiles/installer.hpp"

namespace fs = std::filesystem;
using namespace euiccsim;
using namespace euiccsim::profiles;

int main(int argc, char** argv) {
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    if (fs::is_directory(argv[i])) {
      for (const auto& e : fs::directory_iterator(argv[i]))
        if (e.path().extension() == ".der") files.push_back(e.path());
    } else if (fs::exists(argv[i])) {
      files.push_back(argv[i]);
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::printf("no profile packages given (the reference profiles live in ../shared/reference)\n");
    return 0;
  }
  std::printf("%-34s %8s %6s %10s %10s %12s\n", "profile", "bytes", "PEs", "p50 us", "min us",
              "image bytes");
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    Bytes der((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<double> us;
    InstalledProfile last;
    try {
      for (int i = 0; i < 200; ++i) {
        auto t0 = std::chrono::steady_clock::now();
        last = install_package(der);
        auto t1 = std::chrono::steady_clock::now();
        us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
      }
    } catch (const InstallError& e) {
      std::printf("%-34s does not install: %s\n", f.filename().c_str(), e.describe().c_str());
      continue;
    }
    std::sort(us.begin(), us.end());
    std::printf("%-34s %8zu %6zu %10.1f %10.1f %12zu\n", f.filename().c_str(), der.size(),
                last.pe_count, us[us.size() / 2], us.front(), serialize(last).size());
  }
  return 0;
}
