// The card image: round trip, refusal of damaged or newer files, atomic replacement.
#include <catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <botan/hash.h>

#include <fstream>

#include "../support/temp_dir.hpp"
#include "euiccsim/crypto/tlv.hpp"
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

namespace {
// Every field version 3 added, each with a value other than its default.
CardState full_sample() {
  CardState s = sample();
  auto& c = s.config;
  c.profile_version = Version{3, 3, 1};
  c.firmware_version = Version{1, 2, 3};
  c.ts102241_version.reset();
  c.pp_version = Version{1, 0, 0};
  c.sas_accreditation_number = "SAS-TEST-1";
  c.uicc_capability = 0x80000001;
  c.rsp_capability = 0x3F;
  c.euicc_category = 3;
  c.forbidden_pprs = kPpr1;
  c.memory_capacity = 123456789;
  c.volatile_memory = 4096;
  c.quirks = {quirk::kCatBusy, quirk::kEnableByAidOnly};
  c.rat.push_back(
      RatRule{kPpr1 | kPpr2, {OperatorId{from_hex("00F110"), from_hex("01"), {}}}, true});
  s.identity.euicc_private_key = SecureBytes{1, 2, 3, 4};
  s.identity.euicc_certificate = from_hex("3003020101");
  s.identity.eum_certificate = from_hex("3003020102");
  s.identity.ci_certificates = {from_hex("3003020103"), from_hex("3003020104")};
  s.default_dp_address = "smdp.example.com";
  s.root_ds_address = "ds.example.com";
  ProfileSlot slot;
  slot.isdp_aid = from_hex("A0000005591010FFFFFFFF8900001000");
  slot.enabled = true;
  slot.preloaded = true;
  auto& m = slot.metadata;
  m.nickname = "mine";
  m.service_provider_name = "SP";
  m.profile_name = "Name";
  m.icon_type = 1;
  m.icon = from_hex("89504E47");
  m.profile_class = ProfileClass::kProvisioning;
  m.notification_config = {{NotificationEvent::kEnable, "a.example"},
                           {NotificationEvent::kDelete, "b.example"}};
  m.profile_owner = OperatorId{from_hex("00F110"), {}, from_hex("FF")};
  m.dp_proprietary_data = from_hex("30050603883701");
  m.pprs = kPpr2;
  m.service_specific_data = from_hex("3000");
  s.profiles.push_back(slot);
  s.notifications.push_back(PendingNotification{7, NotificationEvent::kEnable, "a.example",
                                                from_hex("98001090000000000021"),
                                                from_hex("3000")});
  s.last_seq_number = 9;
  return s;
}
}  // namespace

TEST_CASE("version 3 keeps personality, identity, addresses, metadata and notifications") {
  auto s = full_sample();
  auto image = sim::encode_image(s);
  CHECK(sim::decode_image(image) == s);
  CHECK(sim::encode_image(sim::decode_image(image)) == image);
  // Defaults survive as well (absent optional fields are not invented on the way back).
  CardState plain(*Eid::parse("89049032123451234512345678901235"));
  CHECK(sim::decode_image(sim::encode_image(plain)) == plain);
}

TEST_CASE("a version 2 image still loads, with version 3's defaults") {
  // Version 2 body: EID, then the version 1 configuration (personality, AIDs, SVN).
  Bytes body = from_hex(
      "801089049032123451234512345678901235"
      "A1308005736770323281"
      "10A0000005591010FFFFFFFF8900000100"
      "8210A0000005591010FFFFFFFF8900000200"
      "8303020500");
  Bytes file{'E', 'U',  'I',  'C',  'C',  'S',  'I',
             'M', 0x00, 0x02, 0x00, 0x00, 0x00, static_cast<std::uint8_t>(body.size())};
  file.insert(file.end(), body.begin(), body.end());
  auto h = Botan::HashFunction::create_or_throw("SHA-256");
  h->update(file.data(), file.size());
  auto digest = h->final();
  file.insert(file.end(), digest.begin(), digest.end());
  auto s = sim::decode_image(file);
  CHECK(s.eid.str() == "89049032123451234512345678901235");
  CHECK(s.config == CardConfig{});
  CHECK(s.identity.empty());
  CHECK(s.root_ds_address == "lpa.ds.gsma.com");
  CHECK(s.last_seq_number == 0);
}

TEST_CASE("a version 3 image with an unknown quirk or a bad field is refused, naming it") {
  auto s = full_sample();
  s.config.quirks.insert("no-such-quirk");
  CHECK_THROWS_WITH(sim::decode_image(sim::encode_image(s)), Catch::Contains("unknown quirk"));
}

namespace {
// `image` (current version, no eIM) rewritten as the same body would have been in version 3:
// without the fields version 4 added (the last association token, the body's last field).
Bytes as_version_3(const Bytes& image) {
  const std::size_t body_length = (std::size_t{image[10]} << 24) | (std::size_t{image[11]} << 16) |
                                  (std::size_t{image[12]} << 8) | image[13];
  Bytes body(image.begin() + 14, image.begin() + 14 + static_cast<std::ptrdiff_t>(body_length));
  REQUIRE(body.size() > 10);
  REQUIRE(to_hex(ByteView(body).last(10)).substr(0, 4) == "8A08");
  body.resize(body.size() - 10);
  Bytes file{'E', 'U', 'I', 'C', 'C', 'S', 'I', 'M', 0x00, 0x03};
  auto len = tlv::encode_uint(body.size(), 4);
  file.insert(file.end(), len.begin(), len.end());
  file.insert(file.end(), body.begin(), body.end());
  auto h = Botan::HashFunction::create_or_throw("SHA-256");
  h->update(file.data(), file.size());
  auto digest = h->final();
  file.insert(file.end(), digest.begin(), digest.end());
  return file;
}
}  // namespace

TEST_CASE("version 4 keeps the iot personality and every field of the eIM configuration") {
  auto s = full_sample();
  s.config.personality = personality::kIot;
  EimConfig full;
  full.eim_id = "eim.example.com";
  full.fqdn = "eim.example.com";
  full.id_type = kEimIdTypeFqdn;
  full.counter_value = 0x7FFFFFFF;
  full.association_token = 3;
  full.public_key = EimKeyData{EimKeyData::Kind::kPublicKey, from_hex("3003020101")};
  full.tls_key = EimKeyData{EimKeyData::Kind::kCertificate, from_hex("3003020102")};
  full.supported_protocols = 0x15;
  full.euicc_ci_pkid = from_hex("C3C3C3C3");
  full.indirect_profile_download = true;
  EimConfig bare;
  bare.eim_id = "second";
  s.eims = {full, bare};
  s.last_association_token = 3;
  auto image = sim::encode_image(s);
  CHECK(image[9] == sim::kImageVersion);
  CHECK(sim::decode_image(image) == s);
  CHECK(sim::encode_image(sim::decode_image(image)) == image);

  SECTION("a repeated eIM id or a bad field is refused") {
    auto twice = s;
    twice.eims.push_back(full);
    CHECK_THROWS_WITH(sim::decode_image(sim::encode_image(twice)),
                      Catch::Contains("repeated eIM id"));
    auto bad_type = s;
    bad_type.eims[0].id_type = 4;
    CHECK_THROWS_WITH(sim::decode_image(sim::encode_image(bad_type)),
                      Catch::Contains("eIM id type"));
  }
}

TEST_CASE("a version 3 image still loads, as an SGP.22 card with no eIM") {
  auto s = full_sample();
  const Bytes v3 = as_version_3(sim::encode_image(s));
  CHECK(v3[9] == 3);
  auto loaded = sim::decode_image(v3);
  CHECK(loaded == s);
  CHECK(loaded.eims.empty());
  CHECK(loaded.last_association_token == 0);
  // The next save writes the current version.
  CHECK(sim::encode_image(loaded)[9] == sim::kImageVersion);

  SECTION("version 3 knew no iot personality") {
    auto iot = s;
    iot.config.personality = personality::kIot;
    CHECK_THROWS_WITH(sim::decode_image(as_version_3(sim::encode_image(iot))),
                      Catch::Contains("unknown personality 'iot'"));
  }
}

namespace {
// `image` with its version field set to `version` and its digest recomputed: the same body as
// an older euicc-sim would have written it, for a state without the newer fields.
Bytes relabelled(Bytes image, std::uint8_t version) {
  image[9] = version;
  image.resize(image.size() - 32);
  auto h = Botan::HashFunction::create_or_throw("SHA-256");
  h->update(image.data(), image.size());
  auto digest = h->final();
  image.insert(image.end(), digest.begin(), digest.end());
  return image;
}
}  // namespace

TEST_CASE("version 5 keeps SGP.32's package results, rollback, fallback and IPA state") {
  auto s = full_sample();
  s.config.personality = personality::kIot;
  REQUIRE(s.profiles.size() >= 1);
  s.profiles[0].fallback_attribute = true;
  s.profiles[0].fallback_allowed = false;
  s.profiles[0].ecall_indication = true;
  s.package_results = {{7, "eim-1", from_hex("BF5103A00100")}, {9, "eim-2", from_hex("BF5100")}};
  RollbackContext r;
  r.enabled_aid = from_hex("A0000005591010FFFFFFFF8900001100");
  r.previous_aid = from_hex("A0000005591010FFFFFFFF8900001000");
  r.eim_id = "eim-1";
  r.counter_value = 12;
  r.transaction_id = from_hex("0102");
  s.rollback = r;
  s.immediate_enable = ImmediateEnableConfig{true, from_hex("2A0301"), "smdp.example.com"};
  s.fallback_return_aid = from_hex("A0000005591010FFFFFFFF8900001000");
  s.emergency_return_aid = from_hex("A0000005591010FFFFFFFF8900001100");
  s.ipa_mode = kIpaModeIpae;
  auto image = sim::encode_image(s);
  CHECK(image[9] == sim::kImageVersion);
  CHECK(sim::decode_image(image) == s);
  CHECK(sim::encode_image(sim::decode_image(image)) == image);

  SECTION("version 4 knew none of these fields") {
    CHECK_THROWS_WITH(sim::decode_image(relabelled(image, 4)), Catch::Contains("unknown field"));
  }
  SECTION("a bad AID or flag is refused, naming it") {
    auto bad = s;
    bad.fallback_return_aid = from_hex("A000");
    CHECK_THROWS_WITH(sim::decode_image(sim::encode_image(bad)), Catch::Contains("fallback AID"));
    bad = s;
    bad.ipa_mode = 2;
    CHECK_THROWS_WITH(sim::decode_image(sim::encode_image(bad)), Catch::Contains("IPA mode"));
  }
}

TEST_CASE("a version 4 image still loads, with no SGP.32 package state") {
  auto s = full_sample();
  s.config.personality = personality::kIot;
  const Bytes v4 = relabelled(sim::encode_image(s), 4);
  auto loaded = sim::decode_image(v4);
  CHECK(loaded == s);
  CHECK(loaded.package_results.empty());
  CHECK_FALSE(loaded.rollback);
  CHECK(sim::encode_image(loaded)[9] == sim::kImageVersion);
}

TEST_CASE("the IPAe's version keeps its configuration and state; older images load without them") {
  auto s = full_sample();
  s.config.personality = personality::kIot;
  IpaeConfig c;
  c.poll_interval_s = 600;
  c.poll_jitter_s = 30;
  c.backoff_min_s = 5;
  c.backoff_max_s = 900;
  c.rollback_after_failures = 4;
  c.minimize_esipa_bytes = true;
  c.imei = from_hex("3529061100000017");
  c.device_capabilities = from_hex("3005850302050A");
  c.rplmn = from_hex("13F001");
  c.tls_ca_certificates = {from_hex("3003020101"), from_hex("3003020102")};
  c.terminal_conflict = kIpaeConflictIpaeStays;
  s.config.ipae = c;
  s.ipa_mode = kIpaModeIpae;
  s.ipae.next_poll_ms = 1767225600000;
  s.ipae.last_cycle_ms = 1767225000000;
  s.ipae.failed_cycles = 2;
  s.ipae.cycles = 17;
  s.ipae.packages = 5;
  s.ipae.last_error = "eim-1: HTTP 503";
  s.ipae.eim_views = {{"eim-1", from_hex("98001032547698103214"), from_hex("AABB"), 1},
                      {"eim-2", {}, from_hex("CCDD"), std::nullopt}};
  IpaeState::InFlight in;
  in.kind = IpaeState::InFlight::Kind::kDownload;
  in.eim_id = "eim-1";
  in.eim_transaction_id = from_hex("A1B2");
  in.step = 1;
  in.indirect = true;
  in.package = from_hex("BF5400");
  in.smdp_transaction_id = from_hex("0102030405060708");
  in.result = from_hex("BF5403820101");
  in.attempts = 3;
  s.ipae.in_flight = in;
  s.ipae.rollback_watch = IpaeState::RollbackWatch{"eim-1", 12, 1};
  s.ipae.iot_device_capabilities = from_hex("01");
  REQUIRE(s.ipae_active());
  auto image = sim::encode_image(s);
  CHECK(image[9] == sim::kImageVersion);
  CHECK(sim::decode_image(image) == s);
  CHECK(sim::encode_image(sim::decode_image(image)) == image);

  SECTION("the version before it knew no IPAe field") {
    CHECK_THROWS_WITH(sim::decode_image(relabelled(image, sim::kImageVersion - 1)),
                      Catch::Contains("unknown field AE"));
  }
  SECTION("an image of the version before still loads, with no IPAe") {
    auto plain = s;
    plain.config.ipae.reset();
    plain.ipae = IpaeState{};
    auto loaded = sim::decode_image(relabelled(sim::encode_image(plain), sim::kImageVersion - 1));
    CHECK(loaded == plain);
    CHECK_FALSE(loaded.ipae_active());
  }
  SECTION("a bad rule, kind or step is refused, naming it") {
    auto bad = s;
    bad.config.ipae->terminal_conflict = "both";
    CHECK_THROWS_WITH(sim::decode_image(sim::encode_image(bad)),
                      Catch::Contains("terminal conflict rule"));
    bad = s;
    bad.ipae.in_flight->step = 9;
    CHECK_THROWS_WITH(sim::decode_image(sim::encode_image(bad)), Catch::Contains("download step"));
    bad = s;
    bad.config.personality = personality::kSgp22;
    CHECK_THROWS_WITH(sim::decode_image(sim::encode_image(bad)),
                      Catch::Contains("needs the iot personality"));
  }
}
