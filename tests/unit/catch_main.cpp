// The main of every unit test executable.
//
// Test cases that read ../shared/reference are tagged [.reference]: hidden, so a plain run
// neither runs them nor counts their assertions. meson runs them in a test of their own with
// `--reference SUBDIR`: the executable then runs only [reference] cases, and exits 77 (meson's
// "skipped") when the reference directory has no SUBDIR, so a clone without the reference
// data reports them skipped, never passed.
#define CATCH_CONFIG_RUNNER
#include <catch.hpp>

#include <cstring>
#include <filesystem>
#include <iostream>
#include <vector>

#include "support/vec_file.hpp"

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "--reference") == 0) {
    if (argc < 3) {
      std::cerr << "usage: " << argv[0] << " --reference SUBDIR [catch options]\n";
      return 2;
    }
    const auto dir = euiccsim::test::reference_dir() / argv[2];
    if (!std::filesystem::is_directory(dir)) {
      std::cout << "skipped: no reference directory " << dir.string()
                << " (EUICCSIM_REFERENCE names ../shared/reference)\n";
      return 77;
    }
    std::vector<char*> args{argv[0]};
    for (int i = 3; i < argc; ++i) args.push_back(argv[i]);
    char tag[] = "[reference]";
    args.push_back(tag);
    return Catch::Session().run(static_cast<int>(args.size()), args.data());
  }
  return Catch::Session().run(argc, argv);
}
