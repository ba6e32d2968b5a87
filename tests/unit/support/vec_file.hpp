// Known-answer vector files in Botan's plain-text style, and where the tests find them.
//
// Format: '#' starts a comment line; "[name]" starts a section; "Key = value" lines make up a
// vector; a blank line ends it. Keys may repeat inside one vector (a sequence of operations),
// so a vector keeps its lines in order.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "euiccsim/crypto/bytes.hpp"

// tests/data, absolute, from the build (meson passes -DEUICCSIM_TEST_DATA="...").
#ifndef EUICCSIM_TEST_DATA
#define EUICCSIM_TEST_DATA ""
#endif

namespace euiccsim::test {

// $EUICCSIM_TEST_DATA if set (to run a test binary against another tree), else the build's.
inline std::filesystem::path test_data_dir() {
  if (const char* env = std::getenv("EUICCSIM_TEST_DATA"); env && *env) return env;
  if (*EUICCSIM_TEST_DATA) return EUICCSIM_TEST_DATA;
  throw std::runtime_error("test data directory unknown: set EUICCSIM_TEST_DATA");
}

// ../shared/reference beside the repository: $EUICCSIM_REFERENCE if set, else found from the
// test data directory (<repo>/tests/data -> <repo>/../shared/reference). Empty if neither.
inline std::filesystem::path reference_dir() {
  if (const char* env = std::getenv("EUICCSIM_REFERENCE"); env && *env) return env;
  if (*EUICCSIM_TEST_DATA)
    return std::filesystem::path(EUICCSIM_TEST_DATA).parent_path().parent_path().parent_path() /
           "shared" / "reference";
  return {};
}

struct Vector {
  std::vector<std::pair<std::string, std::string>> lines;
  int line_number = 0;  // where it starts, for failure messages

  bool has(const std::string& key) const {
    for (const auto& [k, v] : lines)
      if (k == key) return true;
    return false;
  }
  // The first value of `key`.
  const std::string& text(const std::string& key) const {
    for (const auto& [k, v] : lines)
      if (k == key) return v;
    throw std::runtime_error("vector at line " + std::to_string(line_number) + " has no " + key);
  }
  Bytes hex(const std::string& key) const { return from_hex(text(key)); }
};

using VecFile = std::map<std::string, std::vector<Vector>>;

inline VecFile read_vec_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  auto trim = [](std::string s) {
    const char* ws = " \t\r";
    s.erase(0, s.find_first_not_of(ws));
    s.erase(s.find_last_not_of(ws) + 1);
    return s;
  };
  VecFile file;
  std::string section;
  Vector current;
  auto flush = [&] {
    if (!current.lines.empty()) file[section].push_back(current);
    current = Vector{};
  };
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    line = trim(line);
    if (line.empty()) {
      flush();
    } else if (line[0] == '#') {
      continue;
    } else if (line.front() == '[' && line.back() == ']') {
      flush();
      section = line.substr(1, line.size() - 2);
    } else {
      auto eq = line.find('=');
      if (eq == std::string::npos)
        throw std::runtime_error(path.string() + ":" + std::to_string(number) + ": no '='");
      if (current.lines.empty()) current.line_number = number;
      current.lines.emplace_back(trim(line.substr(0, eq)), trim(line.substr(eq + 1)));
    }
  }
  flush();
  return file;
}

}  // namespace euiccsim::test
