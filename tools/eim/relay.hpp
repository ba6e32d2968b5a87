// Internal to the eIM: the indirect-download relay's shared parts (relay.cpp).
#pragma once

#include <stdexcept>
#include <string>

#include "eim/esipa.hpp"

namespace euiccsim::eim::esipa {

// A compact form the eIM cannot turn back into the full one (it lacks what was left out).
class RebuildError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// ipaFeatures bits of a stored IpaCapabilities ('A8 { 80 ... }' as received).
bool minimize_esipa_bytes(const Bytes& ipa_capabilities);  // minimizeEsipaBytes(5)
bool ctx_params1_by_eim(const Bytes& ipa_capabilities);    // eimCtxParams1Generation(3)

// The full AuthenticateServerResponse (BF38 { A0 { ... } }) of a compact one, or the input
// when it is not compact. `note` says when the rebuilt data does not verify (it is relayed
// anyway: the SM-DP+ decides).
Bytes full_authenticate_server_response(Eim& eim, const DownloadRecord& d, ByteView bf38,
                                        std::string& note);
// The full PrepareDownloadResponse (BF21 { A0 { 30 { 80, 5F49, 04 }, 5F37 } }).
Bytes full_prepare_download_response(const DownloadRecord& d, ByteView bf21);
// The CancelSessionResponse as the SM-DP+ takes it (BF41 ...), from the request's 'A1'.
Bytes full_cancel_session_response(const DownloadRecord& d, ByteView a1);

enum class Es9Function {
  kInitiateAuthentication,
  kAuthenticateClient,
  kGetBoundProfilePackage,
  kCancelSession
};
// An ES9+ failure (subject/reason codes, SGP.22 §5.6) as the ESipa error value of the
// function; undefinedError(127) for what has no counterpart.
long map_es9_error(const smdp::Es9Error& e, Es9Function f);

}  // namespace euiccsim::eim::esipa
