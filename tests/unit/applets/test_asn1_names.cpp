// The one table of named numbers, generated from the ASN.1 modules at build time. Expected
// names and values come from the specifications' enumerations as PROTOCOL.md §2.1 lists them
// (SGP.22 v2.5) and from SGP.32 v1.2, not from the generator.
#include <catch.hpp>

#include "asn1_names.hpp"

using euiccsim::asn1::has_names;
using euiccsim::asn1::named;
using euiccsim::asn1::number_name;

TEST_CASE("SGP.22 result codes by type and by inline member") {
  CHECK(std::string(number_name("EnableProfileResponse__enableResult", 4)) ==
        "wrongProfileReenabling");
  CHECK(std::string(number_name("EnableProfileResponse__enableResult", 5)) == "catBusy");
  CHECK(std::string(number_name("DisableProfileResponse__disableResult", 2)) ==
        "profileNotInEnabledState");
  CHECK(std::string(number_name("DownloadErrorCode", 5)) == "invalidTransactionId");
  CHECK(std::string(number_name("AuthenticateErrorCode", 6)) == "euiccChallengeMismatch");
  CHECK(std::string(number_name("ErrorReason", 11)) == "installFailedDueToInterruption");
  CHECK(std::string(number_name("ErrorReason", 14)) ==
        "testProfileInstallFailedDueToInvalidNaaKey");
  CHECK(std::string(number_name("BppCommandId", 5)) == "loadProfileElements");
  CHECK(std::string(number_name("CancelSessionReason", 0)) == "endUserRejection");
  CHECK(number_name("DownloadErrorCode", 6) == nullptr);
  CHECK(number_name("NoSuchType", 0) == nullptr);
}

TEST_CASE("SGP.32 result codes and named bits") {
  CHECK(std::string(number_name("EnableProfileResult", 20)) == "rollbackNotAvailable");
  CHECK(std::string(number_name("EuiccPackageErrorCode", 4)) == "replayError");
  CHECK(std::string(number_name("EuiccResultData__processingTerminated", 3)) == "interruption");
  // NotificationEvent ::= BIT STRING { notificationInstall(0), ... notificationDelete(3) }
  CHECK(std::string(number_name("NotificationEvent", 3)) == "notificationDelete");
  CHECK(has_names("NotificationEvent"));
  CHECK_FALSE(has_names("TransactionId"));
}

TEST_CASE("name(value) as the tools print it") {
  CHECK(named("DeleteProfileResponse__deleteResult", 2) == "profileNotInDisabledState(2)");
  CHECK(named("DeleteProfileResponse__deleteResult", 99) == "99");
}
