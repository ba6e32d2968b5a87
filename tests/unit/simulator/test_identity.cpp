// Card issuers: the test PKI directory (pki init's layout), issuing from any EUM, EID prefixes
// that fit an EUM's nameConstraints, and the state directory's own PKI.
#include <catch.hpp>

#include <botan/x509cert.h>
#include <sys/stat.h>

#include <fstream>
#include <iterator>

#include "../support/temp_dir.hpp"
#include "../support/vec_file.hpp"
#include "euiccsim/crypto/certificate.hpp"
#include "euiccsim/simulator/identity.hpp"
#include "euiccsim/simulator/state_directory.hpp"

using namespace euiccsim;
namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

Bytes read_bytes(const fs::path& p) {
  auto s = read_text(p);
  return Bytes(s.begin(), s.end());
}

void write_bytes(const fs::path& p, ByteView b) {
  std::ofstream(p, std::ios::binary)
      .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

bool signed_by_ci(const crypto::Issued& cert, const crypto::Issued& ci) {
  return crypto::signed_by(cert.certificate, ci.key.public_key());
}

const crypto::CertificateExtension* find_extension(
    const std::vector<crypto::CertificateExtension>& exts, const std::string& oid) {
  for (const auto& e : exts)
    if (e.oid == oid) return &e;
  return nullptr;
}

}  // namespace

TEST_CASE("a test PKI per curve: every certificate issued by its CI, with its role") {
  for (auto curve : {crypto::Curve::kNistP256, crypto::Curve::kBrainpoolP256r1}) {
    INFO(crypto::curve_name(curve));
    auto drbg = crypto::Drbg::from_seed(3, "pki");
    sim::TestPkiOptions options;
    options.eum_prefix = "89049032";
    options.smdp_oid = "2.999.12";
    const auto pki = sim::make_test_pki(curve, options, drbg);
    CHECK(pki.ci.key.curve() == curve);
    for (const auto* c : {&pki.eum, &pki.dp_auth, &pki.dp_pb, &pki.dp_tls, &pki.eim}) {
      CHECK(signed_by_ci(*c, pki.ci));
      CHECK(c->key.curve() == curve);
      CHECK(crypto::PublicKey::from_certificate(c->certificate) == c->key.public_key());
      CHECK(crypto::authority_key_identifier(c->certificate) ==
            crypto::subject_key_identifier(pki.ci.certificate));
    }
    CHECK(crypto::permitted_serial_numbers(pki.eum.certificate) ==
          std::vector<std::string>{"89049032"});
    CHECK(crypto::certificate_policies(pki.dp_auth.certificate) ==
          std::vector<std::string>{crypto::kRoleDpAuth});
    CHECK(crypto::certificate_policies(pki.dp_pb.certificate) ==
          std::vector<std::string>{crypto::kRoleDpPb});
    CHECK(crypto::certificate_policies(pki.dp_tls.certificate) ==
          std::vector<std::string>{crypto::kRoleDpTls});
    CHECK(crypto::subject_alt_name_registered_id(pki.dp_auth.certificate) == "2.999.12");
  }
}

TEST_CASE("a TLS name that is an IP literal: an iPAddress entry, which Botan matches") {
  // An IPAe on BIP knows its eIM by address; Botan (the IPAe's TLS) reads the certificate.
  auto drbg = crypto::Drbg::from_seed(4, "pki");
  sim::TestPkiOptions o;
  o.tls_name = "127.0.0.1";
  const auto pki = sim::make_test_pki(crypto::Curve::kNistP256, o, drbg);
  Botan::X509_Certificate tls(pki.dp_tls.certificate.data(), pki.dp_tls.certificate.size());
  CHECK(tls.subject_info("DNS").empty());
  CHECK(tls.subject_info("IP") == std::vector<std::string>{"127.0.0.1"});
  CHECK(tls.matches_dns_name("127.0.0.1"));
  CHECK_FALSE(tls.matches_dns_name("127.0.0.2"));
  // A DNS name stays a dNSName alone.
  auto drbg2 = crypto::Drbg::from_seed(4, "pki");
  const auto named = sim::make_test_pki(crypto::Curve::kNistP256, {}, drbg2);
  Botan::X509_Certificate dns(named.dp_tls.certificate.data(), named.dp_tls.certificate.size());
  CHECK(dns.subject_info("DNS") == std::vector<std::string>{"localhost"});
  CHECK(dns.subject_info("IP").empty());
}

TEST_CASE("the eIM certificate: digitalSignature, a registeredID, no GSMA role") {
  auto drbg = crypto::Drbg::from_seed(4, "pki");
  const auto pki = sim::make_test_pki(crypto::Curve::kNistP256, {}, drbg);
  const Bytes& eim = pki.eim.certificate;
  CHECK(crypto::certificate_policies(eim).empty());
  CHECK(crypto::subject_alt_name_registered_id(eim) == "2.999.20");
  CHECK(crypto::subject_name(eim) == "O=euicc-sim, CN=euicc-sim Test eIM");
  CHECK(crypto::issuer_name(eim) == crypto::subject_name(pki.ci.certificate));
  const auto exts = crypto::certificate_extensions(eim);
  const auto* ku = find_extension(exts, "2.5.29.15");
  REQUIRE(ku != nullptr);
  CHECK(ku->critical);
  CHECK(ku->value == from_hex("03020780"));
  CHECK(find_extension(exts, "2.5.29.19") == nullptr);  // not a CA
  // An independent parser reads it the same way.
  Botan::X509_Certificate botan(eim.data(), eim.size());
  CHECK(botan.x509_version() == 3);
  CHECK(botan.constraints() == Botan::DIGITAL_SIGNATURE);
  CHECK(botan.subject_key_id() == crypto::subject_key_identifier(eim));
  CHECK_FALSE(botan.is_CA_cert());
  CHECK_THROWS_AS(crypto::make_eim(pki.ci, {.registered_id = "not.an.oid"}, drbg),
                  std::invalid_argument);
}

TEST_CASE("a seeded test PKI is repeatable") {
  auto a = crypto::Drbg::from_seed(9, "pki/nist");
  auto b = crypto::Drbg::from_seed(9, "pki/nist");
  const auto x = sim::make_test_pki(crypto::Curve::kNistP256, {}, a);
  const auto y = sim::make_test_pki(crypto::Curve::kNistP256, {}, b);
  CHECK(x.ci.certificate == y.ci.certificate);
  CHECK(x.eim.certificate == y.eim.certificate);
  CHECK(x.dp_tls.key.pkcs8() == y.dp_tls.key.pkcs8());
}

TEST_CASE("write_test_pki: the layout, 0600 keys, a TLS chain, and it reads back") {
  test::TempDir tmp;
  auto drbg = crypto::Drbg::from_seed(5, "pki");
  const auto pki = sim::make_test_pki(crypto::Curve::kBrainpoolP256r1, {}, drbg);
  const auto files = sim::write_test_pki(tmp.path, crypto::Curve::kBrainpoolP256r1, pki);
  const fs::path d = tmp.path / "brainpool";
  for (const char* name :
       {"ci.der", "ci.pem", "ci.key.pem", "eum.der", "eum.key.pem", "dp-auth.der",
        "dp-auth.key.pem", "dp-pb.der", "dp-pb.key.pem", "dp-tls.der", "dp-tls.key.pem",
        "dp-tls.chain.pem", "eim.der", "eim.key.pem"}) {
    INFO(name);
    CHECK(fs::exists(d / name));
  }
  REQUIRE(files.size() == 14);
  CHECK(files.back().path == d / "eum.key.pem");
  for (const auto& f : files) {
    INFO(f.path.string());
    CHECK(f.secret == (f.path.string().find(".key.pem") != std::string::npos));
    if (f.secret) CHECK(mode_of(f.path) == 0600);
  }
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(d, ec))
    CHECK(e.path().extension() != ".tmp");  // no temporary file left behind
  CHECK(read_bytes(d / "dp-auth.der") == pki.dp_auth.certificate);
  CHECK(sim::read_private_key_file(d / "eim.key.pem").pkcs8() == pki.eim.key.pkcs8());
  const std::string chain = read_text(d / "dp-tls.chain.pem");
  const auto first = chain.find("-----BEGIN CERTIFICATE-----");
  const auto second = chain.find("-----BEGIN CERTIFICATE-----", first + 1);
  REQUIRE(second != std::string::npos);
  CHECK(chain.find("-----BEGIN CERTIFICATE-----", second + 1) == std::string::npos);
  CHECK(sim::read_certificate_file(d / "dp-tls.chain.pem") == pki.dp_tls.certificate);
  CHECK(sim::read_certificate_file(d / "ci.pem") == pki.ci.certificate);

  auto issuer = sim::pki_directory_issuer(tmp.path, crypto::Curve::kBrainpoolP256r1);
  CHECK(issuer.eum.certificate == pki.eum.certificate);
  CHECK(issuer.trusted_cis == std::vector<Bytes>{pki.ci.certificate});
  // The curve's own folder works as DIR too; a curve that is not there is named.
  CHECK(sim::pki_directory_issuer(d, crypto::Curve::kBrainpoolP256r1).eum.certificate ==
        pki.eum.certificate);
  CHECK_THROWS_WITH(sim::pki_directory_issuer(tmp.path, crypto::Curve::kNistP256),
                    Catch::Contains("no nist/eum.der") && Catch::Contains("pki init"));
  CHECK_THROWS_WITH(sim::pki_directory_issuer(d, crypto::Curve::kNistP256),
                    Catch::Contains("brainpoolP256r1 EUM, not NIST P-256"));
}

TEST_CASE("an EUM from files: its key, its CI, and the CIs trusted") {
  test::TempDir tmp;
  auto drbg = crypto::Drbg::from_seed(6, "pki");
  const auto a = sim::make_test_pki(crypto::Curve::kNistP256, {}, drbg);
  const auto b = sim::make_test_pki(crypto::Curve::kNistP256, {}, drbg);
  sim::write_test_pki(tmp.path / "a", crypto::Curve::kNistP256, a);
  sim::write_test_pki(tmp.path / "b", crypto::Curve::kNistP256, b);
  const fs::path da = tmp.path / "a" / "nist", db = tmp.path / "b" / "nist";

  // The issuing CI comes first, whatever the order given; another CI is trusted too.
  auto issuer =
      sim::load_card_issuer(da / "eum.der", da / "eum.key.pem", {db / "ci.der", da / "ci.pem"});
  REQUIRE(issuer.trusted_cis.size() == 2);
  CHECK(issuer.trusted_cis[0] == a.ci.certificate);
  CHECK(issuer.trusted_cis[1] == b.ci.certificate);
  // The same CI twice is trusted once.
  CHECK(sim::load_card_issuer(da / "eum.der", da / "eum.key.pem", {da / "ci.der", da / "ci.pem"})
            .trusted_cis.size() == 1);

  CHECK_THROWS_WITH(sim::load_card_issuer(da / "eum.der", da / "eum.key.pem", {db / "ci.der"}),
                    Catch::Contains("was issued by CI key " +
                                    to_hex(crypto::subject_key_identifier(a.ci.certificate))) &&
                        Catch::Contains("which none of the given CI certificates has"));
  CHECK_THROWS_WITH(sim::load_card_issuer(da / "eum.der", db / "eum.key.pem", {da / "ci.der"}),
                    Catch::Contains("is not the key of the EUM certificate"));
  CHECK_THROWS_WITH(
      sim::load_card_issuer(da / "dp-auth.der", da / "dp-auth.key.pem", {da / "ci.der"}),
      Catch::Contains("not an EUM certificate"));
  CHECK_THROWS_WITH(sim::load_card_issuer(da / "eum.der", da / "eum.key.pem", {da / "eum.der"}),
                    Catch::Contains("not a CI certificate"));
  CHECK_THROWS_WITH(sim::load_card_issuer(da / "eum.der", da / "eum.key.pem", {da / "nope.der"}),
                    Catch::Contains("cannot read"));
  write_bytes(tmp.path / "junk.der", from_hex("3003020101"));
  CHECK_THROWS_AS(
      sim::load_card_issuer(da / "eum.der", da / "eum.key.pem", {tmp.path / "junk.der"}),
      sim::IssuerError);
  // A file that is not a key is named.
  CHECK_THROWS_AS(sim::read_private_key_file(da / "eum.der"), sim::IssuerError);

  sim::add_trusted_cis(issuer, {da / "ci.der", db / "ci.der"});
  CHECK(issuer.trusted_cis.size() == 2);  // no duplicates
}

TEST_CASE("EID prefixes follow the EUM's nameConstraints") {
  auto drbg = crypto::Drbg::from_seed(7, "pki");
  sim::TestPkiOptions options;
  options.eum_prefix = "89049032";
  const auto pki = sim::make_test_pki(crypto::Curve::kNistP256, options, drbg);
  sim::CardIssuer issuer{pki.eum, {pki.ci.certificate}};
  CHECK(sim::permitted_eid_prefixes(issuer) == std::vector<std::string>{"89049032"});
  CHECK(sim::eid_prefix_for(issuer, "8900", false) == "89049032");         // the default yields
  CHECK(sim::eid_prefix_for(issuer, "89", true) == "89049032");            // a start of it
  CHECK(sim::eid_prefix_for(issuer, "8904903277", true) == "8904903277");  // narrower
  CHECK_THROWS_WITH(sim::eid_prefix_for(issuer, "8900", true),
                    Catch::Contains("--eid-prefix 8900 is outside") && Catch::Contains("89049032"));
  CHECK(sim::why_eid_outside(issuer, "89049032123451234512345678901235").empty());
  CHECK_THAT(sim::why_eid_outside(issuer, "89001012012341234012345678901224"),
             Catch::Contains("outside the EUM's permitted prefix 89049032"));

  // An EUM that permits any EID (the state directory's) keeps the requested prefix.
  auto d2 = crypto::Drbg::from_seed(8, "pki");
  const auto any = sim::make_test_pki(crypto::Curve::kNistP256, {}, d2);
  sim::CardIssuer open{any.eum, {any.ci.certificate}};
  CHECK(sim::eid_prefix_for(open, "8900", false) == "8900");
  CHECK(sim::eid_prefix_for(open, "89049032", true) == "89049032");
}

TEST_CASE("a card issued from a given issuer trusts its CIs") {
  test::TempDir tmp;
  auto drbg = crypto::Drbg::from_seed(10, "pki");
  sim::TestPkiOptions options;
  options.eum_prefix = "89049032";
  const auto pki = sim::make_test_pki(crypto::Curve::kBrainpoolP256r1, options, drbg);
  sim::StateDirectory dir(tmp.path / "state");
  sim::NewCard nc;
  nc.issuer = sim::CardIssuer{pki.eum, {pki.ci.certificate}};
  nc.eid_prefix = sim::eid_prefix_for(*nc.issuer, nc.eid_prefix, false);
  auto state = dir.create(nc, drbg);
  CHECK(state.eid.str().rfind("89049032", 0) == 0);
  CHECK(state.identity.eum_certificate == pki.eum.certificate);
  CHECK(state.identity.ci_certificates == std::vector<Bytes>{pki.ci.certificate});
  CHECK(crypto::signed_by(state.identity.euicc_certificate, pki.eum.key.public_key()));
  CHECK(crypto::subject_serial_number(state.identity.euicc_certificate) == state.eid.str());
  // The state directory's own PKI was not made for it.
  CHECK_FALSE(fs::exists(tmp.path / "state" / "pki"));
}

TEST_CASE("the state directory's PKI: pki init's layout, made once, repeatable when seeded") {
  test::TempDir tmp;
  auto d1 = crypto::Drbg::from_seed(11);
  auto issuer = sim::state_directory_issuer(tmp.path / "s1", d1);
  for (const char* f : {"pki/nist/dp-auth.der", "pki/nist/eim.key.pem", "pki/brainpool/eum.der",
                        "pki/brainpool/dp-tls.chain.pem"}) {
    INFO(f);
    CHECK(fs::exists(tmp.path / "s1" / f));
  }
  CHECK(mode_of(tmp.path / "s1/pki/nist/ci.key.pem") == 0600);
  CHECK(issuer.eum.certificate == read_bytes(tmp.path / "s1/pki/nist/eum.der"));
  CHECK(sim::permitted_eid_prefixes(issuer) == std::vector<std::string>{"89"});
  // Made once: a second call reads it.
  auto d2 = crypto::Drbg::from_os();
  CHECK(sim::state_directory_issuer(tmp.path / "s1", d2).eum.certificate == issuer.eum.certificate);
  CHECK(sim::state_directory_issuer(tmp.path / "s1", d2, crypto::Curve::kBrainpoolP256r1)
            .eum.key.curve() == crypto::Curve::kBrainpoolP256r1);
  // The same seed, another directory: the same PKI.
  auto d3 = crypto::Drbg::from_seed(11);
  CHECK(sim::state_directory_issuer(tmp.path / "s2", d3).trusted_cis == issuer.trusted_cis);
  // No temporary folder is left beside it.
  for (const auto& e : fs::directory_iterator(tmp.path / "s1"))
    CHECK(e.path().filename().string().rfind(".pki.tmp", 0) != 0);
}

TEST_CASE("the state directory's old flat pki/ is still read") {
  test::TempDir tmp;
  auto drbg = crypto::Drbg::from_seed(12);
  const auto old = sim::make_test_issuer(drbg);
  const fs::path pki = tmp.path / "pki";
  fs::create_directories(pki);
  write_bytes(pki / "ci.der", old.ci.certificate);
  std::ofstream(pki / "ci.key.pem") << old.ci.key.pkcs8_pem();
  write_bytes(pki / "eum.der", old.eum.certificate);
  std::ofstream(pki / "eum.key.pem") << old.eum.key.pkcs8_pem();
  auto issuer = sim::state_directory_issuer(tmp.path, drbg);
  CHECK(issuer.eum.certificate == old.eum.certificate);
  CHECK(issuer.trusted_cis == std::vector<Bytes>{old.ci.certificate});
  CHECK_FALSE(fs::exists(pki / "nist"));
  CHECK_THROWS_AS(sim::state_directory_issuer(tmp.path, drbg, crypto::Curve::kBrainpoolP256r1),
                  sim::IssuerError);
}

TEST_CASE("SGP.26's test EUM issues cards with EIDs starting 89049032", "[.reference]") {
  const fs::path dir = test::reference_dir() / "sgp26";
  REQUIRE(fs::is_directory(dir));
  auto issuer =
      sim::load_card_issuer(dir / "CERT_EUM_ECDSA_NIST.der", dir / "SK_EUM_ECDSA_NIST.pem",
                            {dir / "CERT_CI_ECDSA_BRP.der", dir / "CERT_CI_ECDSA_NIST.der"});
  REQUIRE(issuer.trusted_cis.size() == 2);
  CHECK(to_hex(crypto::subject_key_identifier(issuer.trusted_cis[0])) ==
        "F54172BDF98A95D65CBEB88A38A1C11D800A85C3");
  const auto prefix = sim::eid_prefix_for(issuer, "8900", false);
  CHECK(prefix == "89049032");
  test::TempDir tmp;
  sim::StateDirectory state_dir(tmp.path);
  auto drbg = crypto::Drbg::from_seed(13);
  sim::NewCard nc;
  nc.issuer = issuer;
  nc.eid_prefix = prefix;
  auto card = state_dir.create(nc, drbg);
  CHECK(card.eid.str().rfind("89049032", 0) == 0);
  CHECK(crypto::signed_by(card.identity.euicc_certificate,
                          crypto::PublicKey::from_certificate(issuer.eum.certificate)));
  CHECK(crypto::subject_attribute(card.identity.euicc_certificate, "2.5.4.10") == "RSP Test EUM");
  // The brainpool CI did not issue the EUM: alone it is refused.
  CHECK_THROWS_AS(
      sim::load_card_issuer(dir / "CERT_EUM_ECDSA_NIST.der", dir / "SK_EUM_ECDSA_NIST.pem",
                            {dir / "CERT_CI_ECDSA_BRP.der"}),
      sim::IssuerError);
}
