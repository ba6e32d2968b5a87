// The card image: round trip, refusal of damaged or newer files, atomic replacement.
#include <catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <botan/hash.h>

#include <algorithm>
#include <fstream>

#include "../support/temp_dir.hpp"
#include "../support/vec_file.hpp"
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

  SECTION("a bad AID or flag is refused, naming it") {
    auto bad = s;
    bad.fallback_return_aid = from_hex("A000");
    CHECK_THROWS_WITH(sim::decode_image(sim::encode_image(bad)), Catch::Contains("fallback AID"));
    bad = s;
    bad.ipa_mode = 2;
    CHECK_THROWS_WITH(sim::decode_image(sim::encode_image(bad)), Catch::Contains("IPA mode"));
  }
}

// Golden images of every past version, each written by the commit that defined that version
// (tests/data/images/README.md names the commit and the commands). The expected values are the
// ones those commands gave, written out by hand, never re-derived with today's encoder.
namespace {
struct Golden {
  Bytes file;
  CardState state;
};
Golden golden(const std::string& name) {
  const auto path = test::test_data_dir() / "images" / name;
  Bytes file = read_file(path);
  REQUIRE(file.size() > 14);
  return Golden{file, sim::load_image(path)};
}
const char* const kGoldenEid = "89049032123451234512345678901235";
const char* const kIsdP1 = "A0000005591010FFFFFFFF8900001000";
const char* const kIsdP2 = "A0000005591010FFFFFFFF8900001100";

// What every later version reads a golden image as: the next save writes the current version,
// and that image reads back as the same state.
void check_upgrade(const CardState& s) {
  const Bytes now = sim::encode_image(s);
  CHECK(now[9] == sim::kImageVersion);
  CHECK(sim::decode_image(now) == s);
}
}  // namespace

TEST_CASE("golden version 1 image (3ab5b64, card new)") {
  auto g = golden("v1-sgp22.card");
  CHECK(g.file[9] == 1);
  CHECK(g.file.size() == 114);
  const CardState& s = g.state;
  CHECK(s.eid.str() == kGoldenEid);
  CHECK(s.config.personality == "sgp22");
  CHECK(to_hex(s.config.isdr_aid) == "A0000005591010FFFFFFFF8900000100");
  CHECK(to_hex(s.config.ecasd_aid) == "A0000005591010FFFFFFFF8900000200");
  CHECK(s.config.svn == Version{2, 5, 0});
  // Everything later versions added has its default.
  CHECK(s.config == CardConfig{});
  CHECK(s.identity.empty());
  CHECK(s.profiles.empty());
  CHECK(s.default_dp_address.empty());
  CHECK(s.root_ds_address == "lpa.ds.gsma.com");
  CHECK(s.notifications.empty());
  CHECK(s.last_seq_number == 0);
  CHECK(s.eims.empty());
  check_upgrade(s);
}

TEST_CASE("golden version 2 image (7bb3a3d, make-v2.cpp: two profiles)") {
  auto g = golden("v2-sgp22-two-profiles.card");
  CHECK(g.file[9] == 2);
  const CardState& s = g.state;
  CHECK(s.eid.str() == kGoldenEid);
  CHECK(s.config.svn == Version{2, 2, 2});
  CHECK(to_hex(s.config.isdr_aid) == "A0000005591010FFFFFFFF8900000100");
  CHECK(s.identity.empty());
  REQUIRE(s.profiles.size() == 2);
  CHECK(to_hex(s.profiles[0].isdp_aid) == kIsdP1);
  CHECK(s.profiles[0].enabled);
  CHECK(s.profiles[0].iccid().str() == "89001990000000000012");
  CHECK(s.profiles[0].profile.imsi() == "001010123456789");
  CHECK(s.profiles[0].profile.profile_type == "euicc-sim test profile");
  CHECK(to_hex(s.profiles[1].isdp_aid) == kIsdP2);
  CHECK_FALSE(s.profiles[1].enabled);
  CHECK(s.profiles[1].iccid().str() == "89001990000000000020");
  CHECK(s.profiles[1].profile.imsi() == "001010123456780");
  // Version 2 had no metadata: version 3's defaults.
  for (const auto& slot : s.profiles) {
    CHECK(slot.metadata == ProfileMetadata{});
    CHECK_FALSE(slot.preloaded);
  }
  CHECK(s.notifications.empty());
  check_upgrade(s);
}

TEST_CASE("golden version 3 image (05a7728, card new --preload twice, then es10)") {
  auto g = golden("v3-sgp22-profiles-notifications.card");
  CHECK(g.file[9] == 3);
  const CardState& s = g.state;
  CHECK(s.eid.str() == kGoldenEid);
  const auto& c = s.config;
  CHECK(c.personality == "sgp22");
  CHECK(c.svn == Version{2, 4, 1});
  CHECK(c.profile_version == Version{2, 3, 0});
  CHECK(c.firmware_version == Version{1, 2, 3});
  CHECK(c.pp_version == Version{1, 0, 0});
  CHECK(c.sas_accreditation_number == "SAS-1");
  CHECK(c.euicc_category == std::optional<std::uint8_t>(2));  // mediumEuicc
  CHECK(c.memory_capacity == 1048576);
  CHECK(c.forbidden_pprs == std::optional<std::uint8_t>(kPpr1));
  CHECK(c.quirks == std::set<std::string>{"refuse-iccid-search"});
  // The identity `card new --seed 3` issued from the state directory's test PKI.
  CHECK(s.identity.euicc_certificate.size() == 486);
  CHECK(to_hex(s.identity.euicc_certificate).find(to_hex(Bytes(kGoldenEid, kGoldenEid + 32))) !=
        std::string::npos);
  CHECK(s.identity.eum_certificate.size() == 549);
  REQUIRE(s.identity.ci_certificates.size() == 1);
  CHECK(s.identity.ci_certificates[0].size() == 447);
  CHECK_FALSE(s.identity.euicc_private_key.empty());
  CHECK(s.default_dp_address == "dp.example.com");
  CHECK(s.root_ds_address == "lpa.ds.gsma.com");

  REQUIRE(s.profiles.size() == 2);
  const auto& first = s.profiles[0];
  CHECK(to_hex(first.isdp_aid) == kIsdP1);
  CHECK(first.iccid().str() == "89001990000000000012");
  CHECK_FALSE(first.enabled);  // es10 disable
  CHECK(first.preloaded);
  CHECK(first.metadata.nickname == std::optional<std::string>("my-first"));
  CHECK(first.metadata.profile_name == "first profile");
  CHECK(first.metadata.service_provider_name == "Op One");
  CHECK(first.metadata.profile_class == ProfileClass::kOperational);
  CHECK_FALSE(first.metadata.pprs);  // --ppr none
  CHECK(first.metadata.notification_config ==
        std::vector<NotificationConfig>{{NotificationEvent::kEnable, "smdp.example.com"},
                                        {NotificationEvent::kDisable, "smdp.example.com"},
                                        {NotificationEvent::kDelete, "smdp.example.com"}});
  const auto& second = s.profiles[1];
  CHECK(to_hex(second.isdp_aid) == kIsdP2);
  CHECK(second.iccid().str() == "89001990000000000020");
  CHECK(second.enabled);  // es10 enable
  CHECK_FALSE(second.metadata.nickname);
  CHECK(second.metadata.profile_name == "second profile");
  CHECK(second.metadata.service_provider_name == "Op Two");
  CHECK(second.metadata.pprs == std::optional<std::uint8_t>(kPpr2));
  CHECK(second.metadata.notification_config.size() == 3);

  // disable made notification 1 (removed again with es10 remove 1), enable made 2.
  REQUIRE(s.notifications.size() == 1);
  CHECK(s.notifications[0].seq_number == 2);
  CHECK(s.notifications[0].event == NotificationEvent::kEnable);
  CHECK(s.notifications[0].address == "other.example.com");
  CHECK(to_hex(s.notifications[0].iccid) == "98009109000000000002");
  CHECK(s.last_seq_number == 2);
  CHECK(s.eims.empty());
  check_upgrade(s);
}

TEST_CASE("golden version 4 image (e197508, card new --personality iot, es10 raw AddInitialEim)") {
  auto g = golden("v4-iot-eims.card");
  CHECK(g.file[9] == 4);
  const CardState& s = g.state;
  CHECK(s.eid.str() == kGoldenEid);
  CHECK(s.config.personality == "iot");
  CHECK(s.config.is_iot());
  CHECK(s.config.svn == Version{2, 5, 0});
  CHECK(s.config.profile_version == Version{2, 3, 1});
  CHECK(s.config.memory_capacity == 2097152);
  CHECK(s.identity.euicc_certificate.size() == 487);
  CHECK(s.identity.eum_certificate.size() == 553);
  REQUIRE(s.identity.ci_certificates.size() == 1);
  CHECK(s.identity.ci_certificates[0].size() == 457);
  REQUIRE(s.profiles.size() == 1);
  CHECK(to_hex(s.profiles[0].isdp_aid) == kIsdP1);
  CHECK(s.profiles[0].iccid().str() == "89001990000000000012");
  CHECK(s.profiles[0].enabled);
  CHECK(s.profiles[0].metadata.profile_name == "iot profile");
  CHECK(s.notifications.empty());
  CHECK(s.last_seq_number == 0);

  // The AddInitialEim request of the README: eim-1 with its FQDN, id type fqdn, counter 5 and a
  // token asked for (the card gave 1); eim-2 with counter 0 and nothing else; one key for both.
  const Bytes spki = from_hex(
      "3059301306072A8648CE3D020106082A8648CE3D030107034200041675798A37939DC4F9684131309AACCFB315"
      "B9BA75708C73E7F38282ADCD8193BE8AA220A2387574C924191FD74D201B53EBDB54994A4A021486B75AEEB017"
      "52");
  REQUIRE(s.eims.size() == 2);
  const EimConfig& first = s.eims[0];
  CHECK(first.eim_id == "eim-1");
  CHECK(first.fqdn == std::optional<std::string>("eim.example.com"));
  CHECK(first.id_type == std::optional<std::uint8_t>(kEimIdTypeFqdn));
  CHECK(first.counter_value == 5);
  CHECK(first.association_token == std::optional<std::uint64_t>(1));
  REQUIRE(first.public_key);
  CHECK(first.public_key->kind == EimKeyData::Kind::kPublicKey);
  CHECK(first.public_key->der == spki);
  CHECK_FALSE(first.tls_key);
  CHECK_FALSE(first.supported_protocols);
  CHECK(first.euicc_ci_pkid.empty());
  CHECK_FALSE(first.indirect_profile_download);
  const EimConfig& second = s.eims[1];
  CHECK(second.eim_id == "eim-2");
  CHECK_FALSE(second.fqdn);
  CHECK_FALSE(second.id_type);
  CHECK(second.counter_value == 0);
  CHECK_FALSE(second.association_token);
  REQUIRE(second.public_key);
  CHECK(second.public_key->der == spki);
  CHECK(s.last_association_token == 1);
  // Version 5's state: none.
  CHECK(s.package_results.empty());
  CHECK_FALSE(s.rollback);
  CHECK(s.ipa_mode == kIpaModeIpad);
  check_upgrade(s);

  SECTION("version 3 knew no iot personality: the same body labelled 3 is refused") {
    Bytes v3 = g.file;
    v3[9] = 3;
    v3.resize(v3.size() - 32);
    auto h = Botan::HashFunction::create_or_throw("SHA-256");
    h->update(v3.data(), v3.size());
    const auto digest = h->final();
    v3.insert(v3.end(), digest.begin(), digest.end());
    CHECK_THROWS_WITH(sim::decode_image(v3), Catch::Contains("unknown personality 'iot'"));
  }
}

TEST_CASE("golden version 5 image (613bc5c, card new --personality iot, es10, make-v5.cpp)") {
  auto g = golden("v5-iot-sgp32-state.card");
  CHECK(g.file[9] == 5);
  const CardState& s = g.state;
  CHECK(s.eid.str() == kGoldenEid);
  CHECK(s.config.personality == "iot");
  CHECK(s.config.svn == Version{2, 5, 0});
  CHECK(s.config.profile_version == Version{2, 3, 1});
  CHECK(s.config.memory_capacity == 2097152);
  // The identity `card new --seed 5` issued from the state directory's test PKI, whose CI
  // `card new` named by its key identifier.
  CHECK(s.identity.euicc_certificate.size() == 486);
  CHECK(s.identity.eum_certificate.size() == 554);
  REQUIRE(s.identity.ci_certificates.size() == 1);
  CHECK(s.identity.ci_certificates[0].size() == 457);
  CHECK(to_hex(s.identity.ci_certificates[0]).find("93A1154103D9A76CD27A03222F9731B18EA5E992") !=
        std::string::npos);

  REQUIRE(s.profiles.size() == 2);
  const auto& first = s.profiles[0];
  CHECK(to_hex(first.isdp_aid) == kIsdP1);
  CHECK(first.iccid().str() == "89001990000000000012");
  CHECK_FALSE(first.enabled);  // es10 enable of the second
  CHECK(first.preloaded);
  CHECK(first.metadata.profile_name == "first profile");
  CHECK(first.metadata.service_provider_name == "Op One");
  CHECK(first.ecall_indication);
  CHECK_FALSE(first.fallback_attribute);
  CHECK_FALSE(first.fallback_allowed);
  const auto& second = s.profiles[1];
  CHECK(to_hex(second.isdp_aid) == kIsdP2);
  CHECK(second.iccid().str() == "89001990000000000020");
  CHECK(second.enabled);
  CHECK(second.metadata.profile_name == "second profile");
  CHECK(second.metadata.service_provider_name == "Op Two");
  CHECK_FALSE(second.ecall_indication);
  CHECK(second.fallback_attribute);
  CHECK(second.fallback_allowed == std::optional<bool>(false));

  // The enable made notifications 1 (disable of the first) and 2 (enable of the second);
  // the two package results took 3 and 4.
  REQUIRE(s.notifications.size() == 2);
  CHECK(s.notifications[0].seq_number == 1);
  CHECK(s.notifications[0].event == NotificationEvent::kDisable);
  CHECK(s.notifications[0].address == "smdp.example.com");
  CHECK(to_hex(s.notifications[0].iccid) == "98009109000000000021");
  CHECK(s.notifications[1].seq_number == 2);
  CHECK(s.notifications[1].event == NotificationEvent::kEnable);
  CHECK(s.notifications[1].address == "other.example.com");
  CHECK(to_hex(s.notifications[1].iccid) == "98009109000000000002");
  CHECK(s.last_seq_number == 4);

  // The same AddInitialEim request as version 4's image.
  REQUIRE(s.eims.size() == 2);
  CHECK(s.eims[0].eim_id == "eim-1");
  CHECK(s.eims[0].counter_value == 5);
  CHECK(s.eims[0].association_token == std::optional<std::uint64_t>(1));
  CHECK(s.eims[1].eim_id == "eim-2");
  CHECK(s.last_association_token == 1);

  // What make-v5.cpp set.
  REQUIRE(s.package_results.size() == 2);
  CHECK(s.package_results[0].seq_number == 3);
  CHECK(s.package_results[0].eim_id == "eim-1");
  CHECK(to_hex(s.package_results[0].der) == "BF5106A004800201F4");
  CHECK(s.package_results[1].seq_number == 4);
  CHECK(s.package_results[1].eim_id == "eim-1");
  CHECK(to_hex(s.package_results[1].der) == "BF5103A10105");
  REQUIRE(s.rollback);
  CHECK(to_hex(s.rollback->enabled_aid) == kIsdP2);
  REQUIRE(s.rollback->previous_aid);
  CHECK(to_hex(*s.rollback->previous_aid) == kIsdP1);
  CHECK(s.rollback->eim_id == "eim-1");
  CHECK(s.rollback->counter_value == 6);
  CHECK(to_hex(s.rollback->transaction_id) == "0A0B0C");
  REQUIRE(s.immediate_enable);
  CHECK(s.immediate_enable->immediate_enable);
  CHECK(to_hex(s.immediate_enable->default_smdp_oid) == "2B0601040182E21D");
  CHECK(s.immediate_enable->default_smdp_address == std::optional<std::string>("smdp.example.com"));
  REQUIRE(s.fallback_return_aid);
  CHECK(to_hex(*s.fallback_return_aid) == kIsdP1);
  REQUIRE(s.emergency_return_aid);
  CHECK(to_hex(*s.emergency_return_aid) == kIsdP2);
  CHECK(s.ipa_mode == kIpaModeIpae);
  check_upgrade(s);
  // While version 5 is the current one, today's encoder writes what 613bc5c wrote.
  if (sim::kImageVersion == 5) CHECK(sim::encode_image(s) == g.file);

  SECTION("version 4 knew none of these fields: the same body labelled 4 is refused") {
    Bytes v4 = g.file;
    v4[9] = 4;
    v4.resize(v4.size() - 32);
    auto h = Botan::HashFunction::create_or_throw("SHA-256");
    h->update(v4.data(), v4.size());
    const auto digest = h->final();
    v4.insert(v4.end(), digest.begin(), digest.end());
    CHECK_THROWS_WITH(sim::decode_image(v4), Catch::Contains("unknown field"));
  }
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
    // Not a migration test (the golden images are): a version 5 image carrying field AE is
    // refused, so the field cannot be smuggled into an older image.
    image[9] = sim::kImageVersion - 1;
    image.resize(image.size() - 32);
    auto h = Botan::HashFunction::create_or_throw("SHA-256");
    h->update(image.data(), image.size());
    const auto digest = h->final();
    image.insert(image.end(), digest.begin(), digest.end());
    CHECK_THROWS_WITH(sim::decode_image(image), Catch::Contains("unknown field AE"));
  }
  SECTION("an image of the version before (golden, written by 613bc5c) loads with no IPAe") {
    auto g = golden("v5-iot-sgp32-state.card");
    CHECK(g.file[9] == sim::kImageVersion - 1);
    CHECK_FALSE(g.state.config.ipae.has_value());
    CHECK(g.state.ipae == IpaeState{});
    CHECK_FALSE(g.state.ipae_active());
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

// An image with its version byte set and its digest made again: not a migration (the golden
// images are), a way to show what a version's decoder refuses.
Bytes resealed(Bytes image, std::uint8_t version) {
  image[9] = version;
  image.resize(image.size() - 32);
  auto h = Botan::HashFunction::create_or_throw("SHA-256");
  h->update(image.data(), image.size());
  const auto digest = h->final();
  image.insert(image.end(), digest.begin(), digest.end());
  return image;
}

TEST_CASE("T=1 in the ATR is kept as an optional field; without it the image is as before") {
  auto without = sample();
  auto with = sample();
  with.config.offers_t1 = true;
  const auto a = sim::encode_image(without);
  const auto b = sim::encode_image(with);
  CHECK(sim::decode_image(b) == with);
  CHECK(sim::decode_image(a).config.offers_t1 == false);
  // The one field added inside the card configuration: 91 01 03 (T=0 and T=1).
  REQUIRE(b.size() == a.size() + 3);
  const Bytes field{0x91, 0x01, 0x03};
  const auto at = std::search(b.begin(), b.end(), field.begin(), field.end());
  REQUIRE(at != b.end());
  // A protocols field without T=0 names no card euicc-sim makes: refused.
  Bytes bad = b;
  bad[static_cast<std::size_t>(at - b.begin()) + 2] = 0x02;
  CHECK_THROWS_WITH(sim::decode_image(resealed(bad, 5)), Catch::Contains("protocols"));
  // Version 4 had no such field: an image claiming it with one is refused as unknown.
  CHECK_THROWS_WITH(sim::decode_image(resealed(b, 4)), Catch::Contains("unknown field 91"));
}
