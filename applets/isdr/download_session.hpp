// The state of one profile download inside the ISD-R (SGP.22 v2.5 §3.1.3): created by a
// successful AuthenticateServer, advanced by PrepareDownload and the pieces of
// LoadBoundProfilePackage, dropped by CancelSession, by the end of the package, by any
// error of the package, and by a card reset (it lives only in the ISD-R's volatile session).
//
// Nothing here reaches the card image until the package installs: a power loss at any
// earlier point leaves no trace of the download.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>

#include "bpp_stream.hpp"
#include "euiccsim/applets/card_state.hpp"
#include "euiccsim/applets/isdr/es10.hpp"
#include "euiccsim/crypto/ecdsa.hpp"
#include "euiccsim/crypto/scp03t.hpp"
#include "euiccsim/crypto/tlv.hpp"
#include "euiccsim/profiles/installer.hpp"

namespace euiccsim::applets::isdr {

// The installer of the profile under way, from the first piece of A3 on. It reads the package
// in place and cannot be copied, so a session can be copied (IsdR::snapshot) only before its
// installation begins: copying one later is a std::logic_error.
class ProfileInstallation {
 public:
  ProfileInstallation() = default;
  ProfileInstallation(ProfileInstallation&&) noexcept = default;
  ProfileInstallation& operator=(ProfileInstallation&&) noexcept = default;
  ProfileInstallation(const ProfileInstallation& other) { refuse_copy_of(other); }
  ProfileInstallation& operator=(const ProfileInstallation& other) {
    refuse_copy_of(other);
    installer_.reset();
    return *this;
  }

  void emplace(profiles::InstallOptions options) { installer_.emplace(std::move(options)); }
  profiles::Installer* operator->() { return &*installer_; }
  explicit operator bool() const { return installer_.has_value(); }

 private:
  static void refuse_copy_of(const ProfileInstallation& other) {
    if (other.installer_)
      throw std::logic_error("a download session cannot be copied once its profile installs");
  }
  std::optional<profiles::Installer> installer_;
};

struct DownloadSession {
  enum class Stage : std::uint8_t {
    kAuthenticated,  // AuthenticateServer accepted; PrepareDownload next
    kPrepared,       // PrepareDownload answered; the package next
    kLoading,        // InitialiseSecureChannel accepted; segments arriving
  };
  Stage stage = Stage::kAuthenticated;

  // From AuthenticateServer.
  Bytes transaction_id;
  std::string server_address;
  std::string smdp_oid;    // dotted: the DPauth certificate's subjectAltName registeredID
  Bytes ci_pkid;           // euiccCiPKIdToBeUsed
  Bytes euicc_signature1;  // raw r||s: smdpSignature2 covers it (PROTOCOL.md §4.2)

  // From PrepareDownload: the DPpb key that signs BF23, and the one-time key pair whose
  // private half exists only here (otSK.EUICC.ECKA, SGP.22 §2.6.4).
  std::optional<crypto::PublicKey> dp_pb_key;
  std::optional<crypto::PrivateKey> otsk;
  Bytes otpk;  // 04||X||Y, as sent in euiccSigned2

  // LoadBoundProfilePackage.
  BppStream stream;
  std::optional<crypto::BspReceiver> bsp;
  SecureBytes configure_isdp;        // plaintext of A0's 87 segments
  SecureBytes store_metadata;        // content of A1's 88 segments
  SecureBytes replace_session_keys;  // plaintext of A2's 87 segments
  Bytes metadata_iccid;              // 10 bytes as StoreMetadata sent it
  std::optional<ProfileMetadata> metadata;
  // SGP.32 StoreMetadata fields (iot cards), which the card keeps on the ProfileSlot.
  bool ecall_indication = false;
  std::optional<bool> fallback_allowed;
  // The new ISD-P, once the package installed.
  Bytes installed_aid;
  ProfileInstallation installer;
};

// The error alternative AuthenticateServer (BF38) and PrepareDownload (BF21) share:
// `tag { A1 { 80 transactionId, 02 code } }` (every code fits one INTEGER byte).
inline apdu::Response download_error(std::uint32_t function_tag, ByteView transaction_id,
                                     long code) {
  Bytes body;
  tlv::append(body, 0x80, transaction_id);
  tlv::append(body, 0x02, Bytes{static_cast<std::uint8_t>(code)});
  return apdu::Response::ok(tlv::encode(function_tag, tlv::encode(0xA1, body)));
}

}  // namespace euiccsim::applets::isdr
