#include "euiccsim/simulator/host/stdio_backend.hpp"

#include "euiccsim/simulator/json.hpp"

namespace euiccsim::host {

namespace {
std::uint16_t sw_of(const Bytes& r) {
  return r.size() < 2 ? 0 : static_cast<std::uint16_t>((r[r.size() - 2] << 8) | r.back());
}
}  // namespace

std::string StdioBackend::answer(int ecode, const std::optional<Bytes>& data) const {
  auto payload = json::Value::object();
  payload["ecode"] = ecode;
  if (data) payload["data"] = to_hex(*data);
  return json::dump(json::Value{{"type", "apdu"}, {"payload", std::move(payload)}});
}

void StdioBackend::power_on() {
  card_.power_on();
  card_.set_protocol(protocol_);
}

int StdioBackend::open_channel(const Bytes& aid) {
  if (aid.empty() || aid.size() > 16) return -1;
  if (!card_.powered()) power_on();
  Bytes r = card_.transmit(from_hex("0070000001"));
  if (r.size() != 3 || sw_of(r) != 0x9000) return -1;
  const std::uint8_t ch = r[0];
  Bytes select{static_cast<std::uint8_t>(ch), 0xA4, 0x04, 0x00,
               static_cast<std::uint8_t>(aid.size())};
  select.insert(select.end(), aid.begin(), aid.end());
  const auto sw = sw_of(card_.transmit(select));
  if ((sw >> 8) != 0x90 && (sw >> 8) != 0x61) {
    card_.transmit(Bytes{0x00, 0x70, 0x80, ch, 0x00});
    return -1;
  }
  return ch;
}

std::optional<std::string> StdioBackend::handle(const std::string& line) {
  auto doc = json::parse(line);
  if (!doc) return answer(-1);
  const std::string* type = json::string_of(json::member(*doc, "type"));
  if (!type || *type != "apdu") return std::nullopt;
  const json::Value* payload = json::member(*doc, "payload");
  const std::string* func = json::string_of(json::member(payload, "func"));
  if (!func) return answer(-1);
  std::optional<Bytes> param;
  if (const std::string* p = json::string_of(json::member(payload, "param"))) {
    try {
      param = from_hex(*p);
    } catch (const HexError&) {
      return answer(-1);
    }
  }
  const std::string& f = *func;
  if (f == "connect") {
    power_on();
    return answer(0);
  }
  if (f == "disconnect") {
    card_.power_off();
    return answer(0);
  }
  if (f == "logic_channel_open") return answer(param ? open_channel(*param) : -1);
  if (f == "logic_channel_close") {
    if (!param || param->size() != 1) return answer(-1);
    if (!card_.powered()) return answer(-1);
    const auto sw = sw_of(card_.transmit(Bytes{0x00, 0x70, 0x80, (*param)[0], 0x00}));
    return answer(sw == 0x9000 ? 0 : -1);
  }
  if (f == "transmit") {
    if (!param || param->size() < 4) return answer(-1);
    if (!card_.powered()) power_on();
    return answer(0, card_.transmit(*param));
  }
  return answer(-1);
}

}  // namespace euiccsim::host
