// ESipa's shapes as the IPAe reads and writes them (SGP.32 v1.2 §6.3, our module
// applets/asn1/SGP32Definitions.asn): TLV helpers over the exact bytes, so what a signature
// covers is relayed untouched, and one-line descriptions for the log.
#include "euiccsim/crypto/tlv.hpp"
#include "ipae_impl.hpp"

namespace euiccsim::applets::ipae::esipa {

std::optional<ByteView> value_of(ByteView der, std::uint32_t tag) {
  auto t = tlv::read(der);
  if (!t || t->tag != tag || t->size != der.size()) return std::nullopt;
  return t->value;
}

std::optional<ByteView> child_tlv(ByteView constructed, std::uint32_t tag) {
  auto all = tlv::read_all(constructed);
  if (!all) return std::nullopt;
  auto t = tlv::find(*all, tag);
  if (!t) return std::nullopt;
  return t->bytes();
}

std::optional<ByteView> child(ByteView constructed, std::uint32_t tag) {
  auto all = tlv::read_all(constructed);
  if (!all) return std::nullopt;
  auto t = tlv::find(*all, tag);
  if (!t) return std::nullopt;
  return t->value;
}

Bytes transaction_id_of(ByteView package, std::uint32_t package_tag, std::uint32_t tag) {
  auto top = tlv::read(package);
  if (!top || top->tag != package_tag) return {};
  ByteView rest = top->value;
  while (!rest.empty()) {
    auto t = tlv::read(rest);
    if (!t) break;
    if (t->tag == tag) return Bytes(t->value.begin(), t->value.end());
    rest = rest.subspan(t->size);
  }
  return {};
}

std::optional<std::uint64_t> uint_of(ByteView v) {
  if (v.empty() || v.size() > 8 || (v[0] & 0x80)) return std::nullopt;
  std::uint64_t n = 0;
  for (auto b : v) n = (n << 8) | b;
  return n;
}

Bytes concat(std::initializer_list<ByteView> parts) {
  Bytes out;
  for (auto p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

ByteView text(const std::string& s) {
  return ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

std::optional<std::pair<std::string, std::uint16_t>> host_port(const std::string& address,
                                                               std::uint16_t default_port) {
  std::string host = address;
  std::string port;
  if (!host.empty() && host.front() == '[') {
    auto close = host.find(']');
    if (close == std::string::npos) return std::nullopt;
    std::string rest = host.substr(close + 1);
    host = host.substr(1, close - 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port = rest.substr(1);
      if (port.empty()) return std::nullopt;
    }
  } else if (auto colon = host.rfind(':'); colon != std::string::npos) {
    if (host.find(':') != colon) return std::nullopt;  // a bare IPv6 address needs brackets
    port = host.substr(colon + 1);
    host.resize(colon);
    if (port.empty()) return std::nullopt;
  }
  if (host.empty() || host.find_first_of(" /\\?#@\r\n\t") != std::string::npos) return std::nullopt;
  std::uint16_t p = default_port;
  if (!port.empty()) {
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos)
      return std::nullopt;
    const unsigned long n = std::stoul(port);
    if (n == 0 || n > 65535) return std::nullopt;
    p = static_cast<std::uint16_t>(n);
  }
  return std::make_pair(host, p);
}

std::optional<std::uint64_t> seq_number_of(ByteView der) {
  auto top = tlv::read(der);
  if (!top || top->size != der.size()) return std::nullopt;
  auto metadata_seq = [](ByteView constructed) -> std::optional<std::uint64_t> {
    auto meta = child(constructed, 0xBF2F);
    auto seq = meta ? child(*meta, 0x80) : std::nullopt;
    return seq ? uint_of(*seq) : std::nullopt;
  };
  switch (top->tag) {
    case 0xBF51: {  // EuiccPackageResult: A0 { 30 { ..., 83 seqNumber, ... }, 5F37 }
      auto signed_result = child(top->value, 0xA0);
      auto data = signed_result ? child(*signed_result, 0x30) : std::nullopt;
      auto seq = data ? child(*data, 0x83) : std::nullopt;
      return seq ? uint_of(*seq) : std::nullopt;
    }
    case 0xBF37: {  // ProfileInstallationResult: BF27 { 80, BF2F { 80 seq }, ... }
      auto data = child(top->value, 0xBF27);
      return data ? metadata_seq(*data) : std::nullopt;
    }
    case 0x30:  // OtherSignedNotification: BF2F { 80 seq }, ...
    case 0xA1:  // compact other-signed: 5A?, BF2F, 5F37
      return metadata_seq(top->value);
    case 0xA0: {  // compact installation result: A0 { 80 tid, 02 seq, ... }
      auto data = child(top->value, 0xA0);
      auto seq = data ? child(*data, 0x02) : std::nullopt;
      return seq ? uint_of(*seq) : std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

std::string eim_id_of_result(ByteView der) {
  auto body = value_of(der, 0xBF51);
  if (!body) return {};
  auto all = tlv::read_all(*body);
  if (!all || all->size() != 1) return {};
  const auto& form = all->front();
  // A0 / A1 carry the id inside their '30'; A2 directly.
  std::optional<ByteView> holder =
      form.tag == 0xA2 ? std::optional<ByteView>(form.value) : child(form.value, 0x30);
  auto id = holder ? child(*holder, 0x80) : std::nullopt;
  return id ? std::string(id->begin(), id->end()) : std::string();
}

namespace {
std::string named(long v, std::initializer_list<std::pair<long, const char*>> names) {
  for (const auto& [n, name] : names) {
    if (n == v) return std::string(name) + "(" + std::to_string(v) + ")";
  }
  return std::to_string(v);
}

std::string code_of(ByteView v, std::initializer_list<std::pair<long, const char*>> names) {
  auto n = uint_of(v);
  return n ? named(static_cast<long>(*n), names) : "malformed code";
}
}  // namespace

std::string describe(ByteView der) {
  if (der.empty()) return "empty answer";
  auto top = tlv::read(der);
  if (!top || top->size != der.size())
    return "not one DER value (" + std::to_string(der.size()) + " bytes)";
  auto kids = tlv::read_all(top->value);
  const tlv::Tlv* first = kids && !kids->empty() ? &kids->front() : nullptr;
  const std::uint32_t inner = first ? first->tag : 0;
  switch (top->tag) {
    case 0xBF4F:
      if (inner == 0x02)
        return "eimPackageError " + code_of(first->value, {{1, "noEimPackageAvailable"},
                                                           {2, "eidNotFound"},
                                                           {3, "invalidEid"},
                                                           {4, "missingEid"},
                                                           {127, "undefinedError"}});
      if (inner == 0xBF51) return "euiccPackageRequest";
      if (inner == 0xBF52) return "ipaEuiccDataRequest";
      if (inner == 0xBF54) return "profileDownloadTriggerRequest";
      break;
    case 0xBF50:
      if (inner == 0xBF53) {
        std::string out = "eimAcknowledgements [";
        auto acks = tlv::read_all(first->value);
        for (std::size_t i = 0; acks && i < acks->size(); ++i) {
          auto n = uint_of((*acks)[i].value);
          out += (i ? ", " : "") + (n ? std::to_string(*n) : std::string("?"));
        }
        return out + "]";
      }
      if (inner == 0x30) return "emptyResponse";
      if (inner == 0x02)
        return "provideEimPackageResultError " + code_of(first->value, {{2, "eidNotFound"},
                                                                        {3, "invalidEid"},
                                                                        {4, "missingEid"},
                                                                        {127, "undefinedError"}});
      break;
    case 0xBF39:
      if (inner == 0xA0) return "initiateAuthenticationOkEsipa";
      if (inner == 0x81)
        return "initiateAuthenticationErrorEsipa " +
               code_of(first->value, {{1, "invalidDpAddress"},
                                      {2, "euiccVersionNotSupportedByDp"},
                                      {3, "ciPKIdNotSupported"},
                                      {50, "smdpAddressMismatch"},
                                      {51, "smdpOidMismatch"},
                                      {52, "invalidEimTransactionId"},
                                      {127, "undefinedError"}});
      break;
    case 0xBF3B:
      if (inner == 0xA0) return "authenticateClientOkDPEsipa";
      if (inner == 0xA1) return "authenticateClientOkDSEsipa";
      if (inner == 0x82)
        return "authenticateClientErrorEsipa " +
               code_of(first->value, {{1, "eumCertificateInvalid"},
                                      {3, "euiccCertificateInvalid"},
                                      {5, "euiccSignatureInvalid"},
                                      {6, "matchingIdRefused"},
                                      {7, "eidMismatch"},
                                      {8, "noEligibleProfile"},
                                      {9, "ciPKUnknown"},
                                      {10, "invalidTransactionId"},
                                      {127, "undefinedError"}});
      break;
    case 0xBF3A:
      if (inner == 0xA0) return "getBoundProfilePackageOkEsipa";
      if (inner == 0x81)
        return "getBoundProfilePackageErrorEsipa " +
               code_of(first->value, {{1, "euiccSignatureInvalid"},
                                      {2, "confirmationCodeMissing"},
                                      {3, "confirmationCodeRefused"},
                                      {4, "confirmationCodeRetriesExceeded"},
                                      {5, "bppRebindingRefused"},
                                      {50, "metadataMismatch"},
                                      {95, "invalidTransactionId"},
                                      {127, "undefinedError"}});
      break;
    case 0xBF41:
      if (inner == 0xA0) return "cancelSessionOk";
      if (inner == 0x81)
        return "cancelSessionError " + code_of(first->value, {{1, "invalidTransactionId"},
                                                              {2, "euiccSignatureInvalid"},
                                                              {127, "undefinedError"}});
      break;
    default:
      break;
  }
  return "unexpected " +
         to_hex(tlv::encode_uint(top->tag, top->tag > 0xFFFF ? 3
                                           : top->tag > 0xFF ? 2
                                                             : 1)) +
         (inner ? " { " + to_hex(tlv::encode_uint(inner, inner > 0xFF ? 2 : 1)) + " }" : "");
}

}  // namespace euiccsim::applets::ipae::esipa
