#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace euiccsim::test {

// A fresh directory under $TMPDIR, removed at the end of the test.
struct TempDir {
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "euiccsim-test-XXXXXX").string();
    path = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::filesystem::path path;
};

}  // namespace euiccsim::test
