// The card image: round trip, refusal of damaged or newer files, atomic replacement.
#include <catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "../support/temp_dir.hpp"
#include "euiccsim/simulator/card_image.hpp"
#include "euiccsim/simulator/state_directory.hpp"

using namespace euiccsim;

namespace {
CardState sample() {
  CardState s(*Eid::parse("89049032123451234512345678901235"));
  s.config.isdr_aid = from_hex("A0000005591010FFFFFFFF8900000101");
  s.config.svn = Version{2, 4, 1};
  return s;
}

Bytes read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_file(const std::filesystem::path& p, ByteView b) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}
}  // namespace

TEST_CASE("an image decodes to the state it was made from") {
  auto s = sample();
  auto image = sim::encode_image(s);
  CHECK(std::string(image.begin(), image.begin() + 8) == "EUICCSIM");
  CHECK(image[8] == 0);
  CHECK(image[9] == sim::kImageVersion);
  CHECK(sim::decode_image(image) == s);
  CHECK(sim::encode_image(sim::decode_image(image)) == image);  // canonical
}

TEST_CASE("a file round trip through save_image and load_image") {
  test::TempDir dir;
  auto path = dir.path / "card.card";
  sim::save_image(path, sample());
  CHECK(sim::load_image(path) == sample());
  CHECK((std::filesystem::status(path).permissions() & std::filesystem::perms::others_read) ==
        std::filesystem::perms::none);
}

TEST_CASE("a truncated image is refused at every length") {
  auto image = sim::encode_image(sample());
  for (std::size_t n = 0; n < image.size(); ++n) {
    INFO("length " << n);
    CHECK_THROWS_AS(sim::decode_image(ByteView(image).first(n)), sim::ImageError);
  }
}

TEST_CASE("a corrupt image is refused whichever byte is flipped") {
  auto image = sim::encode_image(sample());
  for (std::size_t i = 0; i < image.size(); ++i) {
    auto bad = image;
    bad[i] ^= 0x01;
    INFO("byte " << i);
    CHECK_THROWS_AS(sim::decode_image(bad), sim::ImageError);
  }
  auto longer = image;
  longer.push_back(0);
  CHECK_THROWS_WITH(sim::decode_image(longer), Catch::Contains("trailing"));
  auto digest_broken = image;
  digest_broken[20] ^= 0xFF;
  CHECK_THROWS_WITH(sim::decode_image(digest_broken), Catch::Contains("digest"));
  CHECK_THROWS_WITH(sim::decode_image(from_hex("00112233")), Catch::Contains("magic"));
}

TEST_CASE("an image of a newer version is refused with a clear message") {
  auto image = sim::encode_image(sample());
  image[9] = sim::kImageVersion + 1;
  CHECK_THROWS_WITH(sim::decode_image(image),
                    Catch::Contains("newer than this euicc-sim understands"));
}

TEST_CASE("load_image names the file in its error") {
  test::TempDir dir;
  auto path = dir.path / "x.card";
  write_file(path, from_hex("45554943435349"));
  CHECK_THROWS_WITH(sim::load_image(path), Catch::Contains(path.string()));
  CHECK_THROWS_WITH(sim::load_image(dir.path / "missing.card"), Catch::Contains("cannot read"));
}

TEST_CASE("a crash between writing the temporary file and the rename keeps the old image") {
  test::TempDir dir;
  auto path = dir.path / "card.card";
  auto old_state = sample();
  sim::save_image(path, old_state);
  auto new_state = sample();
  new_state.config.svn = Version{9, 9, 9};

  // The child process dies for real at the worst moment: no destructors, no flushes.
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    sim::SaveHooks hooks;
    hooks.before_rename = [](const std::filesystem::path&) { _exit(42); };
    sim::save_image(path, new_state, hooks);
    _exit(0);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 42);

  CHECK(sim::load_image(path) == old_state);
  // The leftover temporary file is not taken for a card, and the next save replaces it.
  sim::StateDirectory sd(dir.path);
  CHECK(sd.list().empty());  // "card.card" is not an EID-named image
  sim::save_image(path, new_state);
  CHECK(sim::load_image(path) == new_state);
}

TEST_CASE("a failed save leaves the old image and no temporary file") {
  test::TempDir dir;
  auto path = dir.path / "card.card";
  sim::save_image(path, sample());
  auto before = read_file(path);
  sim::SaveHooks hooks;
  hooks.before_rename = [](const std::filesystem::path& tmp) {
    std::filesystem::remove(tmp);  // the rename will now fail
  };
  auto changed = sample();
  changed.config.svn = Version{1, 0, 0};
  CHECK_THROWS_AS(sim::save_image(path, changed, hooks), sim::ImageError);
  CHECK(read_file(path) == before);
}
