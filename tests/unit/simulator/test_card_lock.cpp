// One writer per card: the image lock (sim::CardLock), the saves that pass it on, and the
// temporary files of concurrent saves, with real processes where a process boundary matters.
#include <catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "../support/temp_dir.hpp"
#include "euiccsim/simulator/card_image.hpp"
#include "euiccsim/simulator/card_lock.hpp"
#include "euiccsim/simulator/card_simulator.hpp"
#include "euiccsim/simulator/state_directory.hpp"

using namespace euiccsim;

namespace {
CardState sample(std::uint8_t revision = 0) {
  CardState s(*Eid::parse("89049032123451234512345678901235"));
  s.config.svn = Version{2, 5, revision};
  return s;
}

std::vector<std::string> temporaries(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const auto name = e.path().filename().string();
    if (name.rfind(".card.card.", 0) == 0) out.push_back(name);
  }
  return out;
}

// A child process that takes the lock, tells the parent through a pipe, and holds it until
// the parent closes its end of a second pipe.
struct Holder {
  pid_t pid = -1;
  int release_fd = -1;
  explicit Holder(const std::filesystem::path& image) {
    int ready[2], release[2];
    REQUIRE(pipe(ready) == 0);
    REQUIRE(pipe(release) == 0);
    pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      close(ready[0]);
      close(release[1]);
      try {
        auto lock = sim::CardLock::acquire(image);
        char ok = 1;
        if (write(ready[1], &ok, 1) != 1) _exit(3);
        char x;
        while (read(release[0], &x, 1) > 0) {
        }
        _exit(0);
      } catch (...) {
        _exit(2);
      }
    }
    close(ready[1]);
    close(release[0]);
    release_fd = release[1];
    char ok = 0;
    REQUIRE(read(ready[0], &ok, 1) == 1);
    close(ready[0]);
  }
  // Ends the child (and with it the lock); its exit status.
  int finish() {
    close(release_fd);
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
};
}  // namespace

TEST_CASE("a card held by another process is refused, naming that process") {
  test::TempDir dir;
  const auto image = dir.path / "card.card";
  sim::save_image(image, sample());
  Holder holder(image);
  try {
    sim::CardLock::acquire(image);
    FAIL("the second lock was granted");
  } catch (const sim::CardBusy& e) {
    CHECK(e.pid == holder.pid);
    // The holder is a fork of this test program: /proc names it as it names us.
    CHECK(e.command.find("test_card_lock") != std::string::npos);
    CHECK(std::string(e.what()).find("process " + std::to_string(holder.pid)) != std::string::npos);
  }
  REQUIRE(holder.finish() == 0);
  // The holder is gone, and its lock with it: no stale lock to clean up.
  CHECK(sim::CardLock::acquire(image).held());
}

TEST_CASE("two locks on one card conflict within one process too") {
  test::TempDir dir;
  const auto image = dir.path / "card.card";
  sim::save_image(image, sample());
  auto first = sim::CardLock::acquire(image);
  CHECK_THROWS_AS(sim::CardLock::acquire(image), sim::CardBusy);
  // Each save replaces the file; the lock moves to the new one before the rename.
  first.save(sample(1));
  first.save(sample(2));
  CHECK_THROWS_AS(sim::CardLock::acquire(image), sim::CardBusy);
  CHECK(first.load() == sample(2));
  CHECK(temporaries(dir.path).empty());
  // Moved, the lock goes with it; destroyed, it ends.
  auto moved = std::move(first);
  CHECK_FALSE(first.held());
  CHECK_THROWS_AS(sim::CardLock::acquire(image), sim::CardBusy);
  { auto gone = std::move(moved); }
  CHECK(sim::CardLock::acquire(image).held());
}

TEST_CASE("a second writer cannot interleave with a running one") {
  test::TempDir dir;
  const auto image = dir.path / "card.card";
  sim::save_image(image, sample());
  Holder holder(image);
  // The second writer is refused before it writes anything: the image is the first's.
  CHECK_THROWS_AS(sim::CardLock::acquire(image).save(sample(9)), sim::CardBusy);
  CHECK(sim::load_image(image) == sample());
  REQUIRE(holder.finish() == 0);
}

TEST_CASE("overlapping saves each write a temporary file of their own") {
  // Two saves of one image overlapping (as two unlocked writers could): the second runs
  // whole between the first's fsync and its rename. With one shared temporary name the second
  // would truncate and rename the first's file, and the first's rename would fail.
  test::TempDir dir;
  const auto image = dir.path / "card.card";
  sim::save_image(image, sample());
  std::vector<std::filesystem::path> seen;
  sim::SaveHooks outer;
  outer.before_rename = [&](const std::filesystem::path& tmp) {
    seen.push_back(tmp);
    sim::SaveHooks inner;
    inner.before_rename = [&](const std::filesystem::path& t) { seen.push_back(t); };
    sim::save_image(image, sample(2), inner);
    CHECK(sim::load_image(image) == sample(2));
  };
  REQUIRE_NOTHROW(sim::save_image(image, sample(1), outer));
  REQUIRE(seen.size() == 2);
  CHECK(seen[0] != seen[1]);
  CHECK(seen[0].parent_path() == dir.path);  // same directory: the rename stays atomic
  // The last rename wins, whole; nothing is left behind.
  CHECK(sim::load_image(image) == sample(1));
  CHECK(temporaries(dir.path).empty());
}

TEST_CASE("temporary files of a writer that died are removed by the next lock holder") {
  test::TempDir dir;
  const auto image = dir.path / "card.card";
  sim::save_image(image, sample());
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    sim::SaveHooks hooks;
    hooks.before_rename = [](const std::filesystem::path&) { _exit(42); };
    sim::save_image(image, sample(1), hooks);
    _exit(0);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WEXITSTATUS(status) == 42);
  CHECK(temporaries(dir.path).size() == 1);
  auto lock = sim::CardLock::acquire(image);
  CHECK(temporaries(dir.path).empty());
  CHECK(lock.load() == sample());
}

TEST_CASE("a claimed card cannot be removed or claimed again until released") {
  test::TempDir tmp;
  sim::StateDirectory dir(tmp.path);
  auto drbg = crypto::Drbg::from_seed(3);
  const auto eid = dir.create(sim::NewCard{}, drbg).eid.str();
  {
    auto claimed = dir.claim(eid);
    CHECK_THROWS_AS(dir.claim(eid), sim::CardBusy);
    CHECK_THROWS_AS(dir.remove(eid), sim::CardBusy);
    CHECK(dir.contains(eid));
    // What a claimed card saves stays: the claim's persist function writes under the lock.
    claimed.state.default_dp_address = "smdp.example.com";
    claimed.persist(claimed.state);
    CHECK(dir.load(eid).default_dp_address == "smdp.example.com");
  }
  dir.remove(eid);
  CHECK_FALSE(dir.contains(eid));
  CHECK_THROWS_WITH(sim::CardLock::acquire(dir.image_path(eid)), Catch::Contains("no card image"));
}

TEST_CASE("the in-process API holds the card's lock while it lives") {
  test::TempDir tmp;
  CardSimulator::Options o;
  o.state_dir = tmp.path;
  o.seed = 5;
  std::string eid;
  {
    CardSimulator card(o);
    eid = card.eid().str();
    o.eid = eid;
    CHECK_THROWS_AS(CardSimulator(o), sim::CardBusy);
  }
  CHECK(CardSimulator(o).eid().str() == eid);
}
