#include "euiccsim/applets/isdr/isdr.hpp"

#include "euiccsim/applets/rsp_asn1.hpp"
#include "euiccsim/applets/security_domain.hpp"
#include "euiccsim/crypto/tlv.hpp"

#include <ISDRProprietaryApplicationTemplateIoT.h>

#include "download_session.hpp"

namespace euiccsim::applets {

namespace {
isdr::Session deep_copy(const isdr::Session& session) {
  isdr::Session copy = session;
  if (session.download) copy.download = std::make_shared<isdr::DownloadSession>(*session.download);
  return copy;
}
}  // namespace

isdr::Session IsdR::snapshot() const {
  return deep_copy(session_);
}

void IsdR::restore(const isdr::Session& snapshot) {
  session_ = deep_copy(snapshot);
}

IsdR::IsdR(Bytes aid) : aid_(std::move(aid)) {
  handlers_ = {
      {0xBF3C, es10a::get_euicc_configured_addresses},
      {0xBF3F, es10a::set_default_dp_address},
      {0xBF20, es10b::get_euicc_info1},
      {0xBF22, es10b::get_euicc_info2},
      {0xBF2E, es10b::get_euicc_challenge},
      {0xBF28, es10b::list_notification},
      {0xBF2B, es10b::retrieve_notifications_list},
      {0xBF30, es10b::remove_notification_from_list},
      {0xBF43, es10b::get_rat},
      {0xBF41, es10b::cancel_session},
      {0xBF38, es10b::authenticate_server},
      {0xBF21, es10b::prepare_download},
      {0xBF2D, es10c::get_profiles_info},
      {0xBF31, es10c::enable_profile},
      {0xBF32, es10c::disable_profile},
      {0xBF33, es10c::delete_profile},
      {0xBF34, es10c::euicc_memory_reset},
      {0xBF3E, es10c::get_eid},
      {0xBF29, es10c::set_nickname},
  };
  iot_handlers_ = {
      {0xBF55, es10b::get_eim_configuration_data},
      {0xBF56, es10b::get_certs},
      {0xBF57, es10b::add_initial_eim},
      {0xBF51, es10b::load_euicc_package},
      {0xBF58, es10b::profile_rollback},
      {0xBF59, es10b::configure_immediate_profile_enabling},
      {0xBF5A, es10b::immediate_enable},
      {0xBF5B, es10b::enable_emergency_profile},
      {0xBF5C, es10b::disable_emergency_profile},
      {0xBF5D, es10b::execute_fallback_mechanism},
      {0xBF5E, es10b::return_from_fallback},
      {0xBF5F, es10b::get_connectivity_parameters},
      {0xBF64, es10c::iot_euicc_memory_reset},
      {0xBF65, es10a::iot_set_default_dp_address},
      {0xBF42, es10b::ipae_activation},
  };
}

apdu::Response IsdR::select(AppletContext& ctx) {
  // ISDRProprietaryApplicationTemplate (SGP.22 §5.7.1): E0 { 82 svn }.
  const auto& state = ctx.state();
  Bytes templates = tlv::encode(0xE0, tlv::encode(0x82, state.config.svn.bytes()));
  if (state.config.is_iot()) {
    // SGP.32 §3.8.4: E1 { 80 euiccConfiguration }. Bit 0 ipaeSupported: the card was made
    // with an IPAe. Bit 1 enabledProfile: set while a profile is enabled (our reading,
    // docs/sgp32.md).
    auto iot = rsp::make<ISDRProprietaryApplicationTemplateIoT_t>(
        asn_DEF_ISDRProprietaryApplicationTemplateIoT);
    asn1::set_bits(
        iot->euiccConfiguration,
        (state.config.ipae ? 1u << 0 : 0u) | (state.enabled_profile() != nullptr ? 1u << 1 : 0u));
    try {
      auto e1 = asn1::encode(asn_DEF_ISDRProprietaryApplicationTemplateIoT, iot.get());
      templates.insert(templates.end(), e1.begin(), e1.end());
    } catch (const asn1::EncodeError&) {
      return apdu::Response::status(apdu::sw::kNoPreciseDiagnosis);
    }
  }
  return apdu::Response::ok(security_domain_fci(aid_, templates));
}

void IsdR::terminal_capability(AppletContext& ctx, ByteView capabilities) {
  if (!ctx.state().config.is_iot()) return;
  auto all = tlv::read_all(capabilities);
  if (!all) return;
  auto iot = tlv::find(*all, 0x84);
  if (!iot) return;
  const Bytes value(iot->value.begin(), iot->value.end());
  if (ctx.state().ipae.iot_device_capabilities != value) {
    ctx.update_state().ipae.iot_device_capabilities = value;
  }
  // Byte 1 bit 1: the device has an IPAd. Two IPAs must not manage one eUICC; under the
  // ipad-wins rule the newest word, the terminal's, decides (docs/ipae.md).
  const bool ipad = !value.empty() && (value[0] & 0x01) != 0;
  const auto& cfg = ctx.state().config.ipae;
  if (ipad && ctx.state().ipae_active() && cfg->terminal_conflict == kIpaeConflictIpadWins) {
    ctx.update_state().ipa_mode = kIpaModeIpad;
  }
}

apdu::Response IsdR::process(AppletContext&, const apdu::Command&) {
  return apdu::Response::status(apdu::sw::kInsNotSupported);
}

apdu::Response IsdR::store_data(AppletContext& ctx, const Bytes& data) {
  isdr::Es10Call call{ctx, session_};
  // A Bound Profile Package comes in pieces that are not whole TLVs (§5.7.6): the BF36 header
  // opens it, and everything until it closes continues it.
  auto head = tlv::read_header(data);
  if (es10b::continues_bound_profile_package(session_, data) || (head && head->tag == 0xBF36)) {
    return es10b::load_bound_profile_package(call, data);
  }
  // ES10 requests are DER (the ASN.1 of SGP.22 §5.7 and SGP.32 §5.9 travels DER-encoded):
  // one TLV with nothing after it and a DER header. What is inside is each function's to
  // judge (asn1::decode refuses non-DER headers at any depth), so it answers its own error.
  auto top = tlv::read(data);
  if (!top || top->size != data.size()) return apdu::Response::status(apdu::sw::kIncorrectData);
  isdr::Handler handler = nullptr;
  if (auto it = handlers_.find(top->tag); it != handlers_.end()) {
    handler = it->second;
  } else if (auto jt = iot_handlers_.find(top->tag);
             jt != iot_handlers_.end() && ctx.state().config.is_iot()) {
    handler = jt->second;
  }
  // An ES10 function this card does not offer: no ASN.1 answer exists for it, so the
  // transport says "referenced data not found". An SGP.22 card meets SGP.32's tags so.
  if (handler == nullptr) return apdu::Response::status(apdu::sw::kReferencedDataNotFound);
  return handler(call, data);
}

}  // namespace euiccsim::applets
