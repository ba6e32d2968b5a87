#include "euiccsim/simulator/card_simulator.hpp"

#include "euiccsim/simulator/euicc.hpp"
#include "euiccsim/simulator/identity.hpp"
#include "euiccsim/simulator/state_directory.hpp"

namespace euiccsim {

namespace {
apdu::Response split(const Bytes& raw) {
  if (raw.size() < 2) throw CardError("card is mute (not powered)", 0);
  apdu::Response r;
  r.data.assign(raw.begin(), raw.end() - 2);
  r.sw = static_cast<std::uint16_t>((raw[raw.size() - 2] << 8) | raw.back());
  return r;
}
}  // namespace

CardSimulator::Options::Options() = default;
CardSimulator::Options::Options(const Options&) = default;
CardSimulator::Options::Options(Options&&) noexcept = default;
CardSimulator::Options& CardSimulator::Options::operator=(const Options&) = default;
CardSimulator::Options& CardSimulator::Options::operator=(Options&&) noexcept = default;
CardSimulator::Options::~Options() = default;

CardSimulator::CardSimulator() : CardSimulator(Options{}) {}

CardSimulator::CardSimulator(Options o) {
  auto drbg = o.seed ? crypto::Drbg::from_seed(*o.seed, "card") : crypto::Drbg::from_os();
  if (o.persist && o.state_dir && !o.state) {
    throw std::invalid_argument("CardSimulator: persist and state_dir are exclusive");
  }
  std::optional<CardState> state;
  sim::Card::Persist persist = std::move(o.persist);
  if (o.state) {
    state = std::move(o.state);
  } else if (o.state_dir) {
    sim::StateDirectory dir(*o.state_dir);
    std::string eid;
    if (o.eid && dir.contains(*o.eid)) {
      eid = *o.eid;
    } else {
      sim::NewCard nc;
      if (o.eid) {
        nc.eid = Eid::parse(*o.eid);
        if (!nc.eid) throw std::invalid_argument(Eid::why_invalid(*o.eid));
      }
      auto id_drbg =
          o.seed ? crypto::Drbg::from_seed(*o.seed, "identity") : crypto::Drbg::from_os();
      eid = dir.create(nc, id_drbg).eid.str();
    }
    // The card is this simulator's for its lifetime: the lock lives in the persist function.
    auto claimed = dir.claim(eid);
    state = std::move(claimed.state);
    persist = std::move(claimed.persist);
  } else {
    std::optional<Eid> eid;
    if (o.eid) {
      eid = Eid::parse(*o.eid);
      if (!eid) throw std::invalid_argument(Eid::why_invalid(*o.eid));
    } else {
      auto id_drbg =
          o.seed ? crypto::Drbg::from_seed(*o.seed, "identity") : crypto::Drbg::from_os();
      eid = Eid::generate("8900", id_drbg);
    }
    state.emplace(*eid);
    // An in-memory card gets a throw-away issuer of its own.
    auto id_drbg = o.seed ? crypto::Drbg::from_seed(*o.seed, "issuer") : crypto::Drbg::from_os();
    sim::issue_identity(*state, sim::make_test_issuer(id_drbg), id_drbg);
  }
  card_ = sim::make_euicc(std::move(*state), std::move(drbg), std::move(persist));
  if (o.trace) card_->set_trace(o.trace);
  card_->power_on();
  card_->set_protocol(o.protocol);
}

CardSimulator::~CardSimulator() = default;
CardSimulator::CardSimulator(CardSimulator&&) noexcept = default;
CardSimulator& CardSimulator::operator=(CardSimulator&&) noexcept = default;

const Bytes& CardSimulator::atr() const {
  return card_->atr();
}
const Eid& CardSimulator::eid() const {
  return card_->state().eid;
}

const Bytes& CardSimulator::reset() {
  auto p = card_->protocol();
  const Bytes& atr = card_->reset();
  card_->set_protocol(p);
  return atr;
}

apdu::Response CardSimulator::transmit(ByteView command) {
  return split(card_->transmit(command));
}

apdu::Response CardSimulator::transmit(std::string_view hex) {
  return transmit(from_hex(hex));
}

apdu::Response CardSimulator::fetch_all(apdu::Response r, unsigned channel) {
  while (r.sw1() == 0x61) {
    apdu::Command get{apdu::with_channel(0x00, channel), 0xC0,           0,    0, {},
                      r.sw2() == 0 ? 256 : r.sw2(),      apdu::Case::k2, false};
    auto next = transmit(get.encode());
    r.data.insert(r.data.end(), next.data.begin(), next.data.end());
    r.sw = next.sw;
  }
  return r;
}

Bytes CardSimulator::select(ByteView aid, unsigned channel) {
  apdu::Command sel{apdu::with_channel(0x00, channel), 0xA4,         0x04,           0x00,
                    Bytes(aid.begin(), aid.end()),     std::nullopt, apdu::Case::k3, false};
  auto r = fetch_all(transmit(sel.encode()), channel);
  if (r.sw != apdu::sw::kOk)
    throw CardError("SELECT " + to_hex(aid) + " failed: " + apdu::sw_hex(r.sw), r.sw);
  return r.data;
}

Bytes CardSimulator::es10(ByteView request, unsigned channel, std::size_t block_size) {
  if (block_size == 0 || block_size > 255) throw std::invalid_argument("es10: block size 1..255");
  std::size_t offset = 0;
  std::uint8_t block = 0;
  for (;;) {
    const std::size_t n = std::min(block_size, request.size() - offset);
    const bool last = offset + n == request.size();
    apdu::Command sd{apdu::with_channel(0x80, channel),
                     0xE2,
                     static_cast<std::uint8_t>(last ? 0x91 : 0x11),
                     block,
                     Bytes(request.begin() + static_cast<std::ptrdiff_t>(offset),
                           request.begin() + static_cast<std::ptrdiff_t>(offset + n)),
                     std::nullopt,
                     apdu::Case::k3,
                     false};
    auto r = fetch_all(transmit(sd.encode()), channel);
    if (r.sw != apdu::sw::kOk) {
      throw CardError(
          "STORE DATA block " + std::to_string(block) + " failed: " + apdu::sw_hex(r.sw), r.sw);
    }
    if (last) return r.data;
    offset += n;
    ++block;
  }
}

}  // namespace euiccsim
