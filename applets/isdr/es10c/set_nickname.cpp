// SetNickname (SGP.22 v2.5 §5.7.21): SetNicknameRequest BF29 { 5A iccid, 90 profileNickname }
// -> BF29 { 80 setNicknameResult: ok 0, iccidNotFound 1, undefinedError 127 }.
//
// The nickname is UTF-8 (the decoder refuses invalid UTF-8) of at most 64 bytes. X.680 counts
// SIZE(0..64) of a UTF8String in characters; this card stores at most 64 bytes, the stricter
// reading, so whatever it accepts fits any LPA's and card's buffer. Anything outside that is
// a constraint failure: undefinedError. An empty nickname removes the nickname, so
// GetProfilesInfo leaves the field out again.
#include "euiccsim/applets/isdr/es10.hpp"

#include <SetNicknameRequest.h>
#include <SetNicknameResponse.h>

#include <algorithm>

#include "euiccsim/applets/rsp_asn1.hpp"

namespace euiccsim::applets::es10c {

namespace {

constexpr std::size_t kMaxNicknameBytes = 64;

long run(isdr::Es10Call& call, ByteView request) {
  auto req = rsp::decode_request<SetNicknameRequest_t>(asn_DEF_SetNicknameRequest, request);
  // The ICCID's SIZE(10) is checked here: asn1c 0.9.28 does not enforce the size of a
  // constrained type used by reference (its descriptor inherits OCTET STRING's check).
  if (!req || req->iccid.size != 10 ||
      static_cast<std::size_t>(req->profileNickname.size) > kMaxNicknameBytes) {
    return SetNicknameResponse__setNicknameResult_undefinedError;
  }
  const ByteView iccid(req->iccid.buf, static_cast<std::size_t>(req->iccid.size));
  std::size_t index = 0;
  const auto& profiles = call.ctx.state().profiles;
  while (index < profiles.size() &&
         !std::ranges::equal(profiles[index].iccid().swapped_bcd(), iccid)) {
    ++index;
  }
  if (index == profiles.size()) return SetNicknameResponse__setNicknameResult_iccidNotFound;
  auto nickname = asn1::string_of(req->profileNickname);
  auto& slot = call.ctx.update_state().profiles[index];
  if (nickname.empty()) {
    slot.metadata.nickname.reset();
  } else {
    slot.metadata.nickname = std::move(nickname);
  }
  return SetNicknameResponse__setNicknameResult_ok;
}

}  // namespace

apdu::Response set_nickname(isdr::Es10Call& call, ByteView request) {
  auto rsp = rsp::make<SetNicknameResponse_t>(asn_DEF_SetNicknameResponse);
  rsp->setNicknameResult = run(call, request);
  return rsp::answer(asn_DEF_SetNicknameResponse, rsp);
}

}  // namespace euiccsim::applets::es10c
