#include <catch.hpp>

#include <cstdlib>
#include <fstream>

#include "../support/temp_dir.hpp"
#include "euiccsim/simulator/card_image.hpp"
#include "euiccsim/simulator/state_directory.hpp"

using namespace euiccsim;

TEST_CASE("cards are created, listed by EID, loaded and removed") {
  test::TempDir tmp;
  sim::StateDirectory dir(tmp.path / "state");
  CHECK(dir.list().empty());
  auto drbg = crypto::Drbg::from_seed(5);
  auto a = dir.create(sim::NewCard{}, drbg);
  sim::NewCard nc;
  nc.eid_prefix = "89049032";
  auto b = dir.create(nc, drbg);
  CHECK(b.eid.str().rfind("89049032", 0) == 0);
  auto list = dir.list();
  REQUIRE(list.size() == 2);
  CHECK(std::is_sorted(list.begin(), list.end()));
  CHECK(dir.load(a.eid.str()) == a);
  dir.remove(a.eid.str());
  CHECK(dir.list() == std::vector<std::string>{b.eid.str()});
  CHECK_THROWS_AS(dir.load(a.eid.str()), sim::ImageError);
  CHECK_THROWS_AS(dir.remove(a.eid.str()), sim::ImageError);
}

TEST_CASE("a given EID is used once") {
  test::TempDir tmp;
  sim::StateDirectory dir(tmp.path);
  auto drbg = crypto::Drbg::from_seed(5);
  sim::NewCard nc;
  nc.eid = Eid::parse("89049032123451234512345678901235");
  dir.create(nc, drbg);
  CHECK_THROWS_WITH(dir.create(nc, drbg), Catch::Contains("already exists"));
}

TEST_CASE("an image whose content names another card is refused") {
  test::TempDir tmp;
  sim::StateDirectory dir(tmp.path);
  auto drbg = crypto::Drbg::from_seed(5);
  auto a = dir.create(sim::NewCard{}, drbg);
  auto b = dir.create(sim::NewCard{}, drbg);
  std::filesystem::copy_file(dir.image_path(a.eid.str()), dir.image_path(b.eid.str()),
                             std::filesystem::copy_options::overwrite_existing);
  CHECK_THROWS_WITH(dir.load(b.eid.str()), Catch::Contains("holds card"));
}

TEST_CASE("files that are not card images are ignored by list") {
  test::TempDir tmp;
  sim::StateDirectory dir(tmp.path);
  std::ofstream(tmp.path / "notes.txt") << "x";
  std::ofstream(tmp.path / "89049032123451234512345678901234.card") << "x";  // bad check digits
  std::ofstream(tmp.path / ".89049032123451234512345678901235.card.tmp") << "x";
  CHECK(dir.list().empty());
}

TEST_CASE("the default state directory follows XDG_DATA_HOME, else HOME") {
  const char* old_xdg = std::getenv("XDG_DATA_HOME");
  std::string saved = old_xdg ? old_xdg : "";
  setenv("XDG_DATA_HOME", "/tmp/xdg", 1);
  CHECK(sim::StateDirectory::default_path() == std::filesystem::path("/tmp/xdg/euicc-sim"));
  unsetenv("XDG_DATA_HOME");
  setenv("HOME", "/tmp/home", 1);
  CHECK(sim::StateDirectory::default_path() ==
        std::filesystem::path("/tmp/home/.local/share/euicc-sim"));
  if (old_xdg) setenv("XDG_DATA_HOME", saved.c_str(), 1);
}
