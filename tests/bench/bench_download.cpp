// Card-side time of a whole SGP.22 profile download (AuthenticateServer, PrepareDownload and
// every piece of the Bound Profile Package), next to the crypto floor: the EC and symmetric
// operations a download needs, timed alone with the same crypto/ wrappers in the same run.
//
// The LPA role (tools/lpa) carries the download between the test SM-DP+ (tools/smdp) and the
// card; only the time inside the ES10 calls is the card's. It is split into
//   crypto        time inside crypto/'s wrappers (crypto::OpRecorder), within those calls
//   persistence   time inside the card's state-save callback: sim::save_image of the card
//                 image to a real file (write, fsync, rename, fsync of the directory), as
//                 `euicc-sim serve` saves a card; crypto run there counts as persistence
//   parsing+installation   the rest: APDUs and STORE DATA, ASN.1, the BPP stream, the
//                 profile installer, building answers and the new card state
// Each figure is the median over N downloads per curve and profile. Prints numbers; never
// fails on them (exit 1 only when the builder profile does not download at all).
//
//   bench_download [-n N] [--json] [--image-dir DIR] [--spec FILE] [--reference DIR]
//
// --spec: a profile spec (docs/profile-spec.md) for the builder profile, by default
// docs/examples/test-profile.json; --reference: the reference directory whose profiles/*.der
// (TS.48) are downloaded too, by default $EUICCSIM_REFERENCE or ../shared/reference beside the
// project. --image-dir: where the card image lives (by default a new temporary directory).
#include <sys/vfs.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "euiccsim/crypto/aes.hpp"
#include "euiccsim/crypto/ecka.hpp"
#include "euiccsim/crypto/kdf.hpp"
#include "euiccsim/crypto/op_stats.hpp"
#include "euiccsim/crypto/test_pki.hpp"
#include "euiccsim/crypto/tlv.hpp"
#include "euiccsim/profiles/builder.hpp"
#include "euiccsim/profiles/package.hpp"
#include "euiccsim/simulator/card_image.hpp"
#include "euiccsim/simulator/card_simulator.hpp"
#include "euiccsim/simulator/identity.hpp"
#include "lpa/download.hpp"
#include "profile_spec.hpp"
#include "smdp/server.hpp"

namespace fs = std::filesystem;
using namespace euiccsim;

namespace {

using Clock = std::chrono::steady_clock;
using Ms = std::chrono::duration<double, std::milli>;

constexpr const char* kSmdpAddress = "smdp.example.com";

// ---- what one download cost the card --------------------------------------------------------

struct Sample {
  double total_ms = 0;  // inside the ES10 calls
  // Empty when the rig cannot see inside the card (a card behind PC/SC).
  std::optional<double> crypto_ms;
  std::optional<double> persist_ms;
  unsigned saves = 0;  // state saves during the download
  std::size_t es10_calls = 0;
  std::size_t bpp_pieces = 0;
  crypto::OpStats ops;  // the card's crypto, when crypto_ms is set

  std::optional<double> other_ms() const {
    if (!crypto_ms || !persist_ms) return std::nullopt;
    return total_ms - *crypto_ms - *persist_ms;
  }
};

// A card to download into and a way to read its side of the time. The in-process rig below
// measures inside this process. A PC/SC rig (`euicc-sim lpa download --reader` against
// `euicc-sim serve`) would time its ES10 calls at the client (transport included, or take the
// per-APDU durations of serve's trace) and leave crypto and persistence empty unless the
// serving card reports them; everything else here (the PKI, the server, the floor, the
// report) stays as it is.
class Rig {
 public:
  virtual ~Rig() = default;
  virtual const char* name() const = 0;
  // One download; afterwards the card is back as it was (profile and notifications removed,
  // untimed). Throws lpa::DownloadError when the card or the server refuses.
  virtual Sample download(smdp::Es9Plus& server, const lpa::DownloadRequest& request) = 0;
  // What the persistence figure includes, for the report.
  virtual std::string persistence() const = 0;
};

// Deletes what a download left on the card, over any ES10 link: the profile and every
// pending notification (install, delete).
void undo_download(const lpa::Es10& card, const lpa::DownloadResult& r) {
  if (r.installed) {
    const Bytes answer = card(tlv::encode(0xBF33, tlv::encode(0x4F, r.isdp_aid)));
    if (answer != Bytes{0xBF, 0x33, 0x03, 0x80, 0x01, 0x00})
      throw std::runtime_error("DeleteProfile answered " + to_hex(answer));
  }
  const Bytes list = card(Bytes{0xBF, 0x28, 0x00});
  auto top = tlv::read(list);
  auto body = top ? tlv::read_all(top->value) : std::nullopt;
  auto entries = body ? tlv::find(*body, 0xA0) : std::nullopt;
  auto all = entries ? tlv::read_all(entries->value) : std::nullopt;
  if (!all) throw std::runtime_error("ListNotification answered " + to_hex(list));
  for (const auto& metadata : *all) {
    auto fields = tlv::read_all(metadata.value);
    auto seq = fields ? tlv::find(*fields, 0x80) : std::nullopt;
    if (!seq) continue;
    const Bytes removed = card(tlv::encode(0xBF30, tlv::encode(0x80, seq->value)));
    if (removed != Bytes{0xBF, 0x30, 0x03, 0x80, 0x01, 0x00})
      throw std::runtime_error("RemoveNotificationFromList answered " + to_hex(removed));
  }
}

std::string filesystem_type(const fs::path& dir) {
  struct statfs s {};
  if (::statfs(dir.c_str(), &s) != 0) return "unknown file system";
  switch (static_cast<unsigned long>(s.f_type)) {
    case 0xEF53:
      return "ext2/3/4";
    case 0x01021994:
      return "tmpfs";
    case 0x794C7630:
      return "overlayfs";
    case 0x9123683E:
      return "btrfs";
    case 0x58465342:
      return "xfs";
    default: {
      char hex[32];
      std::snprintf(hex, sizeof hex, "file system 0x%lX", static_cast<unsigned long>(s.f_type));
      return hex;
    }
  }
}

// The card in this process (the simulator's Card behind CardSimulator, ISD-R selected, ES10
// over STORE DATA as an LPA sends it), its image saved to `image` after every state change.
class InProcessRig final : public Rig {
 public:
  InProcessRig(CardState state, fs::path image, std::uint64_t seed) : image_(std::move(image)) {
    CardSimulator::Options o;
    o.seed = seed;
    o.state = std::move(state);
    o.persist = [this](const CardState& s) {
      // Crypto inside the save (none today) is persistence, not the card's crypto.
      crypto::OpStats elsewhere;
      crypto::OpRecorder divert(elsewhere);
      const auto t = Clock::now();
      sim::save_image(image_, s);
      persist_ += Clock::now() - t;
      ++saves_;
    };
    card_ = std::make_unique<CardSimulator>(std::move(o));
    card_->select(aid::isd_r());
    // The image exists before the first download, as for a card made with `card new`.
    sim::save_image(image_, card_->card().state());
  }

  const char* name() const override { return "in-process"; }

  std::string persistence() const override {
    return "sim::save_image to " + image_.string() + " (" + filesystem_type(image_.parent_path()) +
           "): write, fsync, rename, fsync of the directory; fsync included";
  }

  Sample download(smdp::Es9Plus& server, const lpa::DownloadRequest& request) override {
    Sample s;
    persist_ = Clock::duration::zero();
    saves_ = 0;
    Clock::duration inside{0};
    const lpa::Es10 timed = [&](ByteView req) {
      crypto::OpRecorder record(s.ops);
      const auto t = Clock::now();
      Bytes answer = card_->es10(req);
      inside += Clock::now() - t;
      ++s.es10_calls;
      return answer;
    };
    const lpa::Es10 untimed = [this](ByteView req) { return card_->es10(req); };
    lpa::DownloadResult r;
    try {
      r = lpa::download(timed, server, request);
    } catch (...) {
      undo_download(untimed, {});  // an error result may be pending as a notification
      throw;
    }
    s.total_ms = Ms(inside).count();
    s.crypto_ms = Ms(s.ops.total()).count();
    s.persist_ms = Ms(persist_).count();
    s.saves = saves_;
    s.bpp_pieces = r.segments;
    undo_download(untimed, r);
    if (!r.installed) {
      throw lpa::DownloadError(
          "LoadBoundProfilePackage",
          "not installed (bppCommandId " + std::to_string(r.bpp_command_id.value_or(-1)) +
              ", errorReason " + std::to_string(r.error_reason.value_or(-1)) + ")");
    }
    return s;
  }

 private:
  fs::path image_;
  std::unique_ptr<CardSimulator> card_;
  Clock::duration persist_{0};
  unsigned saves_ = 0;
};

// ---- the crypto floor -----------------------------------------------------------------------

// The EC work SGP.22 asks of the card in one download, as the card's code does it:
//   AuthenticateServer (applets/isdr/es10b/authenticate_server.cpp): verify the DPauth
//     certificate's signature with the CI key, verify serverSignature1, sign euiccSigned1;
//   PrepareDownload (prepare_download.cpp): verify the DPpb certificate, verify
//     smdpSignature2, generate the one-time key pair, sign euiccSigned2;
//   LoadBoundProfilePackage (load_bound_profile_package.cpp): verify smdpSign of BF23, ECKA
//     with the SM-DP+'s one-time key, the X9.63 KDF, sign the ProfileInstallationResult.
// The symmetric work (AES, CMAC per BSP segment) and the random draws grow with the package:
// the floor replays the counts and sizes the card did in that download. Decoding keys (the
// eUICC key's PKCS#8, public points from certificates and messages) is not in the floor: it is
// what the card does around the EC operations. Encoding the one-time public key counts with
// keygen.
struct EcWork {
  unsigned verify = 5, sign = 3, keygen = 1, ecka = 1, kdf = 1;
};
constexpr EcWork kDownloadEcWork{};

// Keys made once per curve, so that the floor times the operations and nothing else.
struct FloorKit {
  crypto::Curve curve;
  crypto::Drbg drbg;
  crypto::PrivateKey signer;   // stands for the eUICC key
  crypto::PrivateKey issuer;   // stands for the CI / DPauth / DPpb keys
  crypto::PublicKey verifier;  // issuer's public half
  crypto::PrivateKey own_ot;   // the card's one-time key
  crypto::PublicKey other_ot;  // the SM-DP+'s one-time key
  SecureBytes key16 = SecureBytes(16, 0x5A);

  static FloorKit make(crypto::Curve curve) {
    auto drbg = crypto::Drbg::from_seed(99, "floor");
    auto signer = crypto::PrivateKey::generate(curve, drbg);
    auto issuer = crypto::PrivateKey::generate(curve, drbg);
    auto own_ot = crypto::PrivateKey::generate(curve, drbg);
    auto other = crypto::PrivateKey::generate(curve, drbg);
    return FloorKit{curve,  std::move(drbg),   signer, issuer, issuer.public_key(),
                    own_ot, other.public_key()};
  }
};

std::size_t average_bytes(const crypto::OpCounter& c, std::size_t block = 1) {
  if (c.count == 0) return 0;
  const std::size_t avg = static_cast<std::size_t>(c.bytes / c.count);
  return (avg + block - 1) / block * block;
}

// One replay of a download's crypto, in ms: the EC work above with messages of the sizes the
// card signed and verified, then the card's own symmetric and random work.
double floor_ms(FloorKit& k, const crypto::OpStats& card) {
  using crypto::Op;
  const Bytes verify_message(std::max<std::size_t>(average_bytes(card[Op::kVerify]), 1), 0x30);
  const Bytes signature = k.issuer.sign(verify_message);
  const Bytes sign_message(std::max<std::size_t>(average_bytes(card[Op::kSign]), 1), 0x30);
  const SecureBytes shs(32, 0x11);
  const Bytes shared_info(
      average_bytes(card[Op::kKdf]) > 32 ? average_bytes(card[Op::kKdf]) - 32 : 0, 0x22);
  const Bytes block(16, 0x33);
  const Bytes cbc_input(average_bytes(card[Op::kAesCbc], crypto::kAesBlock), 0x44);
  const Bytes cmac_input(average_bytes(card[Op::kCmac]), 0x55);
  Bytes random(average_bytes(card[Op::kRandom]));

  bool ok = true;
  const auto t = Clock::now();
  for (unsigned i = 0; i < kDownloadEcWork.verify; ++i)
    ok &= k.verifier.verify(verify_message, signature);
  for (unsigned i = 0; i < kDownloadEcWork.sign; ++i)
    ok &= k.signer.sign(sign_message).size() == 64;
  for (unsigned i = 0; i < kDownloadEcWork.keygen; ++i)
    ok &= crypto::PrivateKey::generate(k.curve, k.drbg).public_point().size() == 65;
  for (unsigned i = 0; i < kDownloadEcWork.ecka; ++i)
    ok &= crypto::ecka_shared_secret(k.own_ot, k.other_ot).size() == 32;
  for (unsigned i = 0; i < kDownloadEcWork.kdf; ++i)
    ok &= crypto::x963_kdf_sha256(shs, shared_info, 48).size() == 48;
  for (std::uint64_t i = 0; i < card[Op::kAesBlock].count; ++i)
    ok &= crypto::aes128_encrypt_block(k.key16, block).size() == 16;
  for (std::uint64_t i = 0; i < card[Op::kAesCbc].count; ++i)
    ok &= crypto::aes128_cbc_decrypt(k.key16, block, cbc_input).size() == cbc_input.size();
  for (std::uint64_t i = 0; i < card[Op::kCmac].count; ++i)
    ok &= crypto::aes128_cmac(k.key16, cmac_input).size() == 16;
  for (std::uint64_t i = 0; i < card[Op::kRandom].count; ++i) k.drbg.fill(random);
  const double ms = Ms(Clock::now() - t).count();
  if (!ok) throw std::logic_error("crypto floor: an operation gave a wrong result");
  return ms;
}

// Lines naming where the card's EC work differs from what the floor assumes.
std::vector<std::string> ec_work_differences(const crypto::OpStats& card) {
  using crypto::Op;
  std::vector<std::string> out;
  const std::pair<Op, unsigned> expected[] = {{Op::kVerify, kDownloadEcWork.verify},
                                              {Op::kSign, kDownloadEcWork.sign},
                                              {Op::kKeygen, kDownloadEcWork.keygen},
                                              {Op::kEcka, kDownloadEcWork.ecka},
                                              {Op::kKdf, kDownloadEcWork.kdf}};
  for (const auto& [op, n] : expected) {
    if (card[op].count != n)
      out.push_back(std::string("the card did ") + std::to_string(card[op].count) + " " +
                    crypto::op_name(op) + ", the floor assumes " + std::to_string(n));
  }
  return out;
}

// ---- profiles -------------------------------------------------------------------------------

struct Profile {
  std::string name;
  Bytes package;
  bool required = false;  // a failure makes the run fail (the builder profile)
};

Bytes read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::vector<Profile> load_profiles(const fs::path& spec, const std::optional<fs::path>& reference) {
  std::vector<Profile> out;
  const Bytes json = read_file(spec);
  const auto parsed = tools::parse_profile_spec(
      std::string_view(reinterpret_cast<const char*>(json.data()), json.size()));
  out.push_back({"builder:" + spec.filename().string(),
                 profiles::encode_package(profiles::build_profile(parsed)), true});
  if (reference && fs::is_directory(*reference / "profiles")) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(*reference / "profiles"))
      if (e.path().extension() == ".der") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) out.push_back({f.filename().string(), read_file(f), false});
  }
  return out;
}

// ---- one curve ------------------------------------------------------------------------------

struct Row {
  std::string curve;
  std::string profile;
  std::size_t package_bytes = 0;
  std::string error;  // the download failed
  std::size_t es10_calls = 0, bpp_pieces = 0;
  unsigned saves = 0;
  double total = 0, crypto = 0, other = 0, persist = 0, floor = 0;
  double ratio = 0, ratio_no_persist = 0;
  crypto::OpStats ops;                // counts of one download; times are medians over N
  std::vector<std::string> ec_notes;  // EC work other than the floor's
};

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct World {
  crypto::Drbg drbg;
  sim::TestPki pki;
  std::unique_ptr<smdp::Server> server;

  explicit World(crypto::Curve curve)
      : drbg(crypto::Drbg::from_seed(2024, crypto::curve_name(curve))),
        pki(sim::make_test_pki(curve, {}, drbg)) {
    smdp::ServerConfig config{kSmdpAddress, pki.dp_auth, pki.dp_pb, {pki.ci.certificate}};
    server = std::make_unique<smdp::Server>(std::move(config), drbg);
  }

  CardState card_state() {
    CardState state(*Eid::parse("89049032123451234512345678901235"));
    sim::issue_identity(state, sim::Issuer{pki.ci, pki.eum}, drbg);
    return state;
  }
};

std::vector<Row> run_curve(crypto::Curve curve, const std::vector<Profile>& profiles, int n,
                           const fs::path& image_dir, std::string& persistence) {
  World world(curve);
  for (const auto& p : profiles) {
    smdp::ProfileOffer offer;
    offer.matching_id = p.name;
    offer.package = p.package;
    world.server->add_profile(std::move(offer));
  }
  InProcessRig rig(world.card_state(), image_dir / "bench.card", 7);
  persistence = rig.persistence();
  FloorKit kit = FloorKit::make(curve);

  std::vector<Row> rows;
  bool warmed = false;
  for (const auto& p : profiles) {
    Row row;
    row.curve = crypto::curve_name(curve);
    row.profile = p.name;
    row.package_bytes = p.package.size();
    lpa::DownloadRequest request;
    request.smdp_address = kSmdpAddress;
    request.matching_id = p.name;
    try {
      if (!warmed) {  // first use of the curve, the server, the file: not measured
        rig.download(*world.server, request);
        floor_ms(kit, crypto::OpStats{});
        warmed = true;
      }
      std::vector<Sample> samples;
      std::vector<double> floors;
      for (int i = 0; i < n; ++i) {
        samples.push_back(rig.download(*world.server, request));
        floors.push_back(floor_ms(kit, samples.back().ops));
      }
      // Ratios per download against the floor timed just after it, so that a busy machine
      // slows both sides of a ratio alike.
      std::vector<double> total, crypto_ms, other, persist, ratio, ratio_no_persist;
      std::array<std::vector<double>, crypto::kOpKinds> op_ms;
      for (std::size_t i = 0; i < samples.size(); ++i) {
        const Sample& s = samples[i];
        total.push_back(s.total_ms);
        crypto_ms.push_back(s.crypto_ms.value_or(0));
        other.push_back(s.other_ms().value_or(0));
        persist.push_back(s.persist_ms.value_or(0));
        ratio.push_back(s.total_ms / floors[i]);
        ratio_no_persist.push_back((s.total_ms - s.persist_ms.value_or(0)) / floors[i]);
        for (std::size_t k = 0; k < crypto::kOpKinds; ++k)
          op_ms[k].push_back(Ms(s.ops.ops[k].time).count());
      }
      const Sample& first = samples.front();
      row.es10_calls = first.es10_calls;
      row.bpp_pieces = first.bpp_pieces;
      row.saves = first.saves;
      row.total = median(total);
      row.crypto = median(crypto_ms);
      row.other = median(other);
      row.persist = median(persist);
      row.floor = median(floors);
      row.ratio = median(ratio);
      row.ratio_no_persist = median(ratio_no_persist);
      row.ops = first.ops;
      for (std::size_t k = 0; k < crypto::kOpKinds; ++k)
        row.ops.ops[k].time =
            std::chrono::duration_cast<std::chrono::nanoseconds>(Ms(median(op_ms[k])));
      row.ec_notes = ec_work_differences(first.ops);
    } catch (const std::exception& e) {
      if (p.required) throw;
      row.error = e.what();
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// ---- output ---------------------------------------------------------------------------------

void print_text(const std::vector<Row>& rows, int n, const std::string& persistence) {
  std::printf(
      "Card-side time of a profile download, in process: median of %d downloads per row, "
      "ms\n",
      n);
  std::printf("  crypto: inside crypto/ (ECDSA, keygen, key codec, ECKA, KDF, AES, CMAC, DRBG)\n");
  std::printf("  persist: %s\n", persistence.c_str());
  std::printf(
      "  parse+inst: the rest of the card's time (APDUs, ASN.1, BPP stream, installer, "
      "state)\n");
  std::printf(
      "  floor: %u verify, %u sign, %u keygen, %u ECKA, %u KDF and the row's AES/CMAC/DRBG "
      "work, timed alone\n",
      kDownloadEcWork.verify, kDownloadEcWork.sign, kDownloadEcWork.keygen, kDownloadEcWork.ecka,
      kDownloadEcWork.kdf);
  std::printf(
      "  ratio: total / floor (no-persist: without persistence), the median over downloads "
      "each against the floor timed just after it\n\n");
  std::printf("%-16s %-34s %6s %5s %8s %8s %10s %8s %8s %7s %11s\n", "curve", "profile", "bytes",
              "calls", "total", "crypto", "parse+inst", "persist", "floor", "ratio", "no-persist");
  for (const auto& r : rows) {
    if (!r.error.empty()) {
      std::printf("%-16s %-34s %6zu  does not download: %s\n", r.curve.c_str(), r.profile.c_str(),
                  r.package_bytes, r.error.c_str());
      continue;
    }
    std::printf("%-16s %-34s %6zu %5zu %8.2f %8.2f %10.2f %8.2f %8.2f %6.2fx %10.2fx\n",
                r.curve.c_str(), r.profile.c_str(), r.package_bytes, r.es10_calls, r.total,
                r.crypto, r.other, r.persist, r.floor, r.ratio, r.ratio_no_persist);
  }
  // The crypto of the first row of each curve, by kind.
  std::string last_curve;
  for (const auto& r : rows) {
    if (!r.error.empty() || r.curve == last_curve) continue;
    last_curve = r.curve;
    std::printf("\ncrypto in the card, %s, %s (count, median ms):\n ", r.curve.c_str(),
                r.profile.c_str());
    for (std::size_t k = 0; k < crypto::kOpKinds; ++k) {
      const auto& c = r.ops.ops[k];
      if (c.count == 0) continue;
      std::printf(" %s %llu %.3f;", crypto::op_name(static_cast<crypto::Op>(k)),
                  static_cast<unsigned long long>(c.count), Ms(c.time).count());
    }
    std::printf("\n");
    for (const auto& note : r.ec_notes) std::printf("  note: %s\n", note.c_str());
  }
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

void print_json(const std::vector<Row>& rows, int n, const std::string& persistence) {
  std::printf(
      "{\"benchmark\":\"download-in-process\",\"downloads_per_row\":%d,"
      "\"fsync_included\":true,\"persistence\":%s,\"floor\":{\"verify\":%u,\"sign\":%u,"
      "\"keygen\":%u,\"ecka\":%u,\"kdf\":%u},\"rows\":[",
      n, json_string(persistence).c_str(), kDownloadEcWork.verify, kDownloadEcWork.sign,
      kDownloadEcWork.keygen, kDownloadEcWork.ecka, kDownloadEcWork.kdf);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    std::printf("%s{\"curve\":%s,\"profile\":%s,\"package_bytes\":%zu", i ? "," : "",
                json_string(r.curve).c_str(), json_string(r.profile).c_str(), r.package_bytes);
    if (!r.error.empty()) {
      std::printf(",\"error\":%s}", json_string(r.error).c_str());
      continue;
    }
    std::printf(
        ",\"es10_calls\":%zu,\"bpp_pieces\":%zu,\"saves\":%u,\"total_ms\":%.4f,"
        "\"crypto_ms\":%.4f,\"parse_install_ms\":%.4f,\"persist_ms\":%.4f,"
        "\"floor_ms\":%.4f,\"ratio\":%.4f,\"ratio_no_persist\":%.4f,\"crypto\":{",
        r.es10_calls, r.bpp_pieces, r.saves, r.total, r.crypto, r.other, r.persist, r.floor,
        r.ratio, r.ratio_no_persist);
    for (std::size_t k = 0; k < crypto::kOpKinds; ++k) {
      const auto& c = r.ops.ops[k];
      std::printf("%s%s:{\"count\":%llu,\"bytes\":%llu,\"ms\":%.4f}", k ? "," : "",
                  json_string(crypto::op_name(static_cast<crypto::Op>(k))).c_str(),
                  static_cast<unsigned long long>(c.count),
                  static_cast<unsigned long long>(c.bytes), Ms(c.time).count());
    }
    std::printf("}}");
  }
  std::printf("]}\n");
}

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: bench_download [-n N] [--json] [--image-dir DIR] [--spec FILE] "
               "[--reference DIR]\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  int n = 20;
  bool json = false;
  std::optional<fs::path> image_dir;
  fs::path spec = fs::path(EUICCSIM_SOURCE_ROOT) / "docs" / "examples" / "test-profile.json";
  std::optional<fs::path> reference;
  if (const char* env = std::getenv("EUICCSIM_REFERENCE")) {
    reference = env;
  } else {
    reference = fs::path(EUICCSIM_SOURCE_ROOT) / ".." / "shared" / "reference";
  }
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage();
      return argv[++i];
    };
    if (a == "-n") {
      n = std::atoi(value().c_str());
      if (n < 1) usage();
    } else if (a == "--json") {
      json = true;
    } else if (a == "--image-dir") {
      image_dir = value();
    } else if (a == "--spec") {
      spec = value();
    } else if (a == "--reference") {
      reference = value();
    } else {
      usage();
    }
  }

  std::optional<fs::path> made_dir;
  try {
    if (!image_dir) {
      std::string tmpl = (fs::temp_directory_path() / "bench-download-XXXXXX").string();
      if (!::mkdtemp(tmpl.data())) throw std::runtime_error("cannot make a temporary directory");
      image_dir = made_dir = fs::path(tmpl);
    }
    const auto profiles = load_profiles(spec, reference);
    std::vector<Row> rows;
    std::string persistence;
    for (crypto::Curve curve : {crypto::Curve::kNistP256, crypto::Curve::kBrainpoolP256r1}) {
      auto r = run_curve(curve, profiles, n, *image_dir, persistence);
      rows.insert(rows.end(), r.begin(), r.end());
    }
    if (json) {
      print_json(rows, n, persistence);
    } else {
      print_text(rows, n, persistence);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_download: %s\n", e.what());
    if (made_dir) fs::remove_all(*made_dir);
    return 1;
  }
  if (made_dir) fs::remove_all(*made_dir);
  return 0;
}
