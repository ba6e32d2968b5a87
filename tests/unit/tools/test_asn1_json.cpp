// ES10 answers as JSON, from DER written out by hand (tags per SGP.22 v2.5 / SGP.32 v1.2
// RSPDefinitions as quoted in ../shared/reference/PROTOCOL.md §2).
#include <catch.hpp>

#include "es10_functions.hpp"
#include "scenario/asn1_json.hpp"

#include <AddInitialEimResponse.h>
#include <EUICCInfo1.h>
#include <EnableProfileResponse.h>
#include <GetEuiccChallengeResponse.h>
#include <ListNotificationResponse.h>
#include <ProfileInfoListResponse.h>

using namespace euiccsim;
using nlohmann::json;

TEST_CASE("named INTEGERs come out by name, unnamed ones as numbers") {
  CHECK(scenario::asn1_to_json(asn_DEF_EnableProfileResponse, from_hex("BF3103800100")) ==
        json{{"enableResult", "ok"}});
  CHECK(scenario::asn1_to_json(asn_DEF_EnableProfileResponse, from_hex("BF3103800102")) ==
        json{{"enableResult", "profileNotInDisabledState"}});
  CHECK(scenario::asn1_to_json(asn_DEF_EnableProfileResponse, from_hex("BF3103800109")) ==
        json{{"enableResult", 9}});
}

TEST_CASE("OCTET STRINGs are hex, lists are arrays, CHOICEs hold their alternative") {
  CHECK(scenario::asn1_to_json(asn_DEF_GetEuiccChallengeResponse,
                               from_hex("BF2E1280100102030405060708090A0B0C0D0E0F10")) ==
        json{{"euiccChallenge", "0102030405060708090A0B0C0D0E0F10"}});
  // EUICCInfo1 { 82 svn, A9 { 04 pkid }, AA { 04 pkid } }
  CHECK(scenario::asn1_to_json(asn_DEF_EUICCInfo1, from_hex("BF2011"
                                                            "8203020500"
                                                            "A9040402AABB"
                                                            "AA0404021122")) ==
        json::parse(R"({"svn":"020500","euiccCiPKIdListForVerification":["AABB"],
                        "euiccCiPKIdListForSigning":["1122"]})"));
  // ListNotificationResponse: A0 { BF2F { 80 seq, 81 event bits, 0C address } }
  const auto list =
      scenario::asn1_to_json(asn_DEF_ListNotificationResponse,
                             from_hex("BF2816A014BF2F11800101810206400C08736D64702E636F6D"));
  CHECK(list == json::parse(R"({"notificationMetadataList":[{"seqNumber":1,
        "profileManagementOperation":"01","notificationAddress":"smdp.com"}]})"));
  // ProfileInfoListResponse error alternative.
  CHECK(scenario::asn1_to_json(asn_DEF_ProfileInfoListResponse, from_hex("BF2D03810101")) ==
        json{{"profileInfoListError", "incorrectInputValues"}});
}

TEST_CASE("SGP.32's AddInitialEim answer: a list of CHOICEs") {
  CHECK(scenario::asn1_to_json(asn_DEF_AddInitialEimResponse, from_hex("BF5707A0058401010500")) ==
        json::parse(R"({"addInitialEimOk":[{"associationToken":1},{"addOk":null}]})"));
}

TEST_CASE("trailing bytes or a wrong tag are refused") {
  CHECK_THROWS_AS(scenario::asn1_to_json(asn_DEF_EnableProfileResponse, from_hex("BF310380010000")),
                  asn1::DecodeError);
  CHECK_THROWS_AS(scenario::asn1_to_json(asn_DEF_EnableProfileResponse, from_hex("BF3203800100")),
                  asn1::DecodeError);
}

TEST_CASE("the ES10 table finds functions by either name and knows their result fields") {
  const auto* f = tools::find_es10_function("EnableProfile");
  REQUIRE(f);
  CHECK(std::string(f->name) == "enable");
  CHECK(f->tag == 0xBF31);
  CHECK(tools::find_es10_function("enable") == f);
  CHECK_FALSE(tools::find_es10_function("EnableProfil"));
  for (const auto& g : tools::es10_functions()) {
    if (std::string(g.name) == "raw") continue;
    CHECK(g.tag != 0);
    CHECK(g.response != nullptr);
  }
  CHECK(to_hex(tools::build_es10_request("add-initial-eim", {"3000", "3001FF"})) ==
        "BF5707A005"
        "3000"
        "3001FF");
}
