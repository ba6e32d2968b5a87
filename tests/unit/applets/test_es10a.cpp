// ES10a (SGP.22 v2.5 §5.7.3, §5.7.4): GetEuiccConfiguredAddresses and SetDefaultDpAddress,
// sent as an LPA sends them (STORE DATA blocks, GET RESPONSE), every answer decoded with our
// ASN.1 module and re-encoded byte for byte.
#include "../support/es10_card.hpp"

#include "euiccsim/applets/rsp_asn1.hpp"
#include "euiccsim/crypto/tlv.hpp"

#include <EuiccConfiguredAddressesResponse.h>
#include <SetDefaultDpAddressResponse.h>

using namespace euiccsim;
using euiccsim::test::decode_exact;

namespace {

Bytes text(const std::string& s) {
  return Bytes(s.begin(), s.end());
}

// SetDefaultDpAddress's result code.
long set_address(CardSimulator& card, ByteView request, std::size_t block = 120) {
  auto r = card.es10(request, 0, block);
  auto rsp = decode_exact<SetDefaultDpAddressResponse_t>(asn_DEF_SetDefaultDpAddressResponse, r);
  return rsp->setDefaultDpAddressResult;
}

Bytes set_request(const std::string& address) {
  return tlv::encode(0xBF3F, tlv::encode(0x80, text(address)));
}

}  // namespace

TEST_CASE("GetEuiccConfiguredAddresses without a default SM-DP+ gives the root SM-DS alone") {
  auto card = test::es10_card(test::es10_state({}));
  auto r = card.es10(from_hex("BF3C00"));
  // 81 0F "lpa.ds.gsma.com": no 80, since no default SM-DP+ address is configured.
  CHECK(to_hex(r) == "BF3C11810F" + to_hex(text("lpa.ds.gsma.com")));
  CHECK(to_hex(r) == "BF3C11810F6C70612E64732E67736D612E636F6D");
  auto rsp =
      decode_exact<EuiccConfiguredAddressesResponse_t>(asn_DEF_EuiccConfiguredAddressesResponse, r);
  CHECK(rsp->defaultDpAddress == nullptr);
  CHECK(asn1::string_of(rsp->rootDsAddress) == "lpa.ds.gsma.com");
}

TEST_CASE("GetEuiccConfiguredAddresses reports both addresses of the card image") {
  auto state = test::es10_state({});
  state.default_dp_address = "smdp.example.com";
  state.root_ds_address = "ds.example.org";
  auto card = test::es10_card(std::move(state));
  auto r = card.es10(from_hex("BF3C00"), 0, 255);
  CHECK(to_hex(r) ==
        "BF3C228010" + to_hex(text("smdp.example.com")) + "810E" + to_hex(text("ds.example.org")));
  auto rsp =
      decode_exact<EuiccConfiguredAddressesResponse_t>(asn_DEF_EuiccConfiguredAddressesResponse, r);
  REQUIRE(rsp->defaultDpAddress != nullptr);
  CHECK(asn1::string_of(*rsp->defaultDpAddress) == "smdp.example.com");
  CHECK(asn1::string_of(rsp->rootDsAddress) == "ds.example.org");
}

TEST_CASE("GetEuiccConfiguredAddresses refuses a request it cannot read with 6A80") {
  auto card = test::es10_card(test::es10_state({}));
  // The function has no error code, so the transport answers: wrong data.
  CHECK(card.transmit("80E2910004BF3C0280").sw == 0x6A80);      // inner TLV truncated
  CHECK(card.transmit("80E2910006BF3C03800541").sw == 0x6A80);  // inner length too long
  CHECK(card.transmit("80E2910006BF3C03800100").sw == 0x6A80);  // content in an empty request
  CHECK(card.transmit("80E2910003BF3C01").sw == 0x6A80);        // outer length beyond the data
  // None of that changed the card's answer.
  CHECK(to_hex(card.es10(from_hex("BF3C00"))) == "BF3C11810F6C70612E64732E67736D612E636F6D");
}

TEST_CASE("SetDefaultDpAddress stores the address, and the empty string clears it") {
  auto card = test::es10_card(test::es10_state({}));
  CHECK(to_hex(card.es10(set_request("smdp.example.com"))) == "BF3F03800100");
  CHECK(card.card().state().default_dp_address == "smdp.example.com");
  CHECK(to_hex(card.es10(from_hex("BF3C00"))) ==
        "BF3C238010" + to_hex(text("smdp.example.com")) + "810F" + to_hex(text("lpa.ds.gsma.com")));

  // Replacing it, on another logical channel.
  CHECK(card.transmit("0070000001").sw == 0x9000);
  card.select(aid::isd_r(), 1);
  CHECK(to_hex(card.es10(set_request("rsp.example.net"), 1)) == "BF3F03800100");
  CHECK(card.card().state().default_dp_address == "rsp.example.net");

  // BF3F 02 80 00: the empty address removes it, and 80 disappears from BF3C.
  CHECK(set_address(card, from_hex("BF3F028000")) == 0);
  CHECK(card.card().state().default_dp_address.empty());
  CHECK(to_hex(card.es10(from_hex("BF3C00"))) == "BF3C11810F6C70612E64732E67736D612E636F6D");
}

TEST_CASE("SetDefaultDpAddress in many STORE DATA blocks, and across a reset") {
  auto card = test::es10_card(test::es10_state({}));
  // 200 characters: lengths in the long form, and a request of 207 bytes that takes two
  // blocks of 120 (lpac), one of 255 (onomondo) or 42 of 5.
  std::string address = std::string(183, 'a') + ".smdp.example.com";
  Bytes request = set_request(address);
  REQUIRE(request.size() == 207);
  REQUIRE(to_hex(request).substr(0, 14) == "BF3F81CB8081C8");
  for (std::size_t block : {std::size_t{120}, std::size_t{255}, std::size_t{5}}) {
    CHECK(set_address(card, from_hex("BF3F028000")) == 0);
    CHECK(set_address(card, request, block) == 0);
    CHECK(card.card().state().default_dp_address == address);
  }
  // The address is card state: a reset does not lose it.
  card.reset();
  card.select(aid::isd_r());
  auto rsp = decode_exact<EuiccConfiguredAddressesResponse_t>(
      asn_DEF_EuiccConfiguredAddressesResponse, card.es10(from_hex("BF3C00")));
  REQUIRE(rsp->defaultDpAddress != nullptr);
  CHECK(asn1::string_of(*rsp->defaultDpAddress) == address);
}

TEST_CASE("SetDefaultDpAddress answers undefinedError to a malformed request and keeps the old") {
  auto state = test::es10_state({});
  state.default_dp_address = "keep.example.com";
  auto card = test::es10_card(std::move(state));
  const char* malformed[] = {
      "BF3F00",          // no address at all
      "BF3F03810141",    // wrong inner tag: 81 instead of 80
      "BF3F03800541",    // inner TLV truncated (5 bytes announced, 1 present)
      "BF3F0180",        // inner header cut short
      "BF3F03A00141",    // constructed where a UTF8String is expected
      "BF3F038001FF",    // not UTF-8
      "BF3F048002C328",  // a broken UTF-8 sequence
  };
  for (const std::string hex : malformed) {
    INFO(hex);
    auto r = card.es10(from_hex(hex));
    CHECK(to_hex(r) == "BF3F0380017F");
    CHECK(set_address(card, from_hex(hex)) == 127);
    CHECK(card.card().state().default_dp_address == "keep.example.com");
  }
}
