#include "euiccsim/simulator/card.hpp"

#include <algorithm>
#include <string_view>

#include "euiccsim/crypto/tlv.hpp"

namespace euiccsim::sim {

using apdu::Case;
using apdu::Command;
using apdu::Response;
namespace sw = apdu::sw;

namespace {
constexpr std::uint8_t kInsManageChannel = 0x70;
constexpr std::uint8_t kInsSelect = 0xA4;
constexpr std::uint8_t kInsTerminalCapability = 0xAA;
constexpr std::uint8_t kInsGetResponse = 0xC0;
constexpr std::uint8_t kInsStoreData = 0xE2;

// 61xx / 6Cxx carry a count in SW2, where 00 stands for 256 (or more).
std::uint16_t with_count(std::uint16_t sw1, std::size_t n) {
  return static_cast<std::uint16_t>(sw1 | (n >= 256 ? 0 : n));
}

bool starts_with(ByteView whole, ByteView prefix) {
  return prefix.size() <= whole.size() && std::equal(prefix.begin(), prefix.end(), whole.begin());
}
}  // namespace

Bytes make_atr(bool offer_t1) {
  static constexpr std::string_view kProduct = "euicc-sim";
  Bytes atr;
  atr.reserve(33);
  atr.push_back(0x3B);  // TS: direct convention
  // T0: TA1 and TD1 follow; then the number of historical bytes (category byte, compact-TLV
  // header, product name).
  atr.push_back(static_cast<std::uint8_t>(0x90 | (2 + kProduct.size())));
  atr.push_back(0x96);  // TA1: Fi=512, Di=32
  atr.push_back(0x80);  // TD1: TD2 follows; T=0 offered
  if (offer_t1) {
    atr.push_back(0xB1);  // TD2: TA3, TB3 and TD3 follow; T=1 offered
    atr.push_back(0xFE);  // TA3: IFSC 254
    atr.push_back(0x45);  // TB3: BWI 4, CWI 5
  }
  // The T=15 global interface bytes, as (e)UICCs give them: a TD with T=15 and TA only, then
  // TA for T=15 = C7: clock stop without preference, classes A, B and C (5 V, 3 V, 1.8 V).
  atr.push_back(0x1F);
  atr.push_back(0xC7);
  // Historical bytes: category 80 (compact-TLV), then card issuer's data (tag 5) naming us.
  atr.push_back(0x80);
  atr.push_back(static_cast<std::uint8_t>(0x50 | kProduct.size()));
  for (char ch : kProduct) atr.push_back(static_cast<std::uint8_t>(ch));
  // TCK: with T=15 indicated (and T=1, when offered) it is due, and T0..TCK XOR to zero.
  std::uint8_t tck = 0;
  for (std::size_t i = 1; i < atr.size(); ++i) tck ^= atr[i];
  atr.push_back(tck);
  return atr;
}

Bytes default_atr() {
  return make_atr(false);
}

Card::Card(CardState state, crypto::Drbg drbg, Persist persist, CardOptions options)
    : state_(std::move(state)),
      drbg_(std::move(drbg)),
      persist_(std::move(persist)),
      options_(options),
      id_(state_.eid.str()),
      atr_(make_atr(state_.config.offers_t1)) {
  cold_state();
}

Card::~Card() = default;

void Card::install(std::unique_ptr<applets::Applet> applet) {
  applets_.push_back(std::move(applet));
}

applets::Applet* Card::applet(ByteView aid) const {
  for (const auto& a : applets_)
    if (std::equal(a->aid().begin(), a->aid().end(), aid.begin(), aid.end())) return a.get();
  return nullptr;
}

namespace {
std::optional<Bytes> enabled_aid(const CardState& s) {
  if (const auto* p = s.enabled_profile()) return p->isdp_aid;
  return std::nullopt;
}
}  // namespace

void Card::profile_refresh(unsigned keep, applets::AppletContext& ctx) {
  // As after the terminal's reset that follows a REFRESH: every other logical channel closes
  // and the basic channel loses its selection; the channel that asked keeps its ISD-R session,
  // so the LPA can read its answer and notifications.
  for (unsigned i = 0; i < kChannels; ++i) {
    if (i == keep || !channels_[i].open) continue;
    if (i == 0) {
      if (channels_[0].selected) channels_[0].selected->deselect(ctx);
      channels_[0] = Channel{};
      channels_[0].open = true;
    } else {
      close_channel(i, ctx);
    }
  }
  active_profile_ = enabled_aid(state_);
  fs_.reset(active_profile_);
  ++refreshes_;
  if (refresh_listener_) refresh_listener_(active_profile_);
}

void Card::cold_state() {
  for (auto& c : channels_) c = Channel{};
  channels_[0].open = true;
  active_profile_ = enabled_aid(state_);
  fs_.reset(active_profile_);
  for (auto& a : applets_) a->reset();
  refresh_pending_ = false;
  toolkit_.reset();
  terminal_capability_.reset();
  protocol_ = Protocol::kT0;
}

const Bytes& Card::power_on() {
  std::lock_guard guard(mu_);
  auto start = std::chrono::steady_clock::now();
  cold_state();
  powered_ = true;
  trace(TraceEvent::Kind::kPowerOn, 0, {}, atr_, start);
  if (ipae_listener_) ipae_listener_();
  return atr_;
}

const Bytes& Card::reset() {
  std::lock_guard guard(mu_);
  auto start = std::chrono::steady_clock::now();
  cold_state();
  powered_ = true;
  trace(TraceEvent::Kind::kReset, 0, {}, atr_, start);
  if (ipae_listener_) ipae_listener_();
  return atr_;
}

void Card::power_off() {
  std::lock_guard guard(mu_);
  auto start = std::chrono::steady_clock::now();
  cold_state();
  powered_ = false;
  trace(TraceEvent::Kind::kPowerOff, 0, {}, {}, start);
}

void Card::trace(TraceEvent::Kind kind, unsigned ch, ByteView cmd, ByteView rsp,
                 std::chrono::steady_clock::time_point start, std::string note) {
  if (!trace_ || trace_->empty()) return;
  TraceEvent e;
  e.kind = kind;
  e.card = id_;
  e.channel = ch;
  e.command.assign(cmd.begin(), cmd.end());
  e.response.assign(rsp.begin(), rsp.end());
  e.duration = std::chrono::steady_clock::now() - start;
  e.when = std::chrono::system_clock::now();
  e.note = std::move(note);
  trace_->publish(e);
}

bool Card::finish(applets::AppletContext& ctx, unsigned keep_channel) {
  if (ctx.state_changed()) {
    try {
      if (persist_) persist_(state_);
      ctx.commit();
    } catch (...) {
      ctx.roll_back();
      return false;
    }
  }
  if (ctx.refresh_requested()) refresh(keep_channel, ctx);
  return true;
}

void Card::notify_ipae(std::uint8_t mode_before) {
  if (ipae_listener_ && state_.ipa_mode != mode_before) ipae_listener_();
}

apdu::Response Card::es10(ByteView request) {
  std::lock_guard guard(mu_);
  auto start = std::chrono::steady_clock::now();
  const std::uint8_t mode_before = state_.ipa_mode;
  applets::Applet* isdr = nullptr;
  for (auto& a : applets_) {
    if (a->aid() == state_.config.isdr_aid && a->takes_store_data()) isdr = a.get();
  }
  Response r;
  if (isdr == nullptr) {
    r = Response::status(sw::kFunctionNotSupported);
  } else {
    // The IPAe has no logical channel: kChannels stands for "none", so a REFRESH it asks for
    // resets every channel the terminal has, as the terminal's own reset would.
    applets::AppletContext ctx(state_, drbg_, kChannels);
    try {
      r = isdr->store_data(ctx, Bytes(request.begin(), request.end()));
    } catch (...) {
      ctx.roll_back();
      r = Response::status(sw::kNoPreciseDiagnosis);
    }
    if (!finish(ctx, kChannels)) r = Response::status(sw::kMemoryFailure);
  }
  trace(TraceEvent::Kind::kEs10, kChannels, request, r.encode(), start);
  notify_ipae(mode_before);
  return r;
}

void Card::update_state(const std::function<void(CardState&)>& change) {
  std::lock_guard guard(mu_);
  applets::AppletContext ctx(state_, drbg_, kChannels);
  try {
    change(ctx.update_state());
  } catch (...) {
    ctx.roll_back();
    throw;
  }
  if (ctx.state_changed() && persist_) {
    try {
      persist_(state_);
    } catch (...) {
      ctx.roll_back();
      throw;
    }
  }
  ctx.commit();
}

applets::ipae::CardView Card::view() const {
  std::lock_guard guard(mu_);
  applets::ipae::CardView v(state_.eid);
  v.active = state_.ipae_active();
  if (state_.config.ipae) v.config = *state_.config.ipae;
  v.state = state_.ipae;
  v.ci_certificates = state_.identity.ci_certificates;
  v.fallback_in_force = state_.fallback_return_aid.has_value();
  v.emergency_in_force = state_.emergency_return_aid.has_value() ||
                         (state_.enabled_profile() && state_.enabled_profile()->ecall_indication);
  v.rollback = state_.rollback;
  return v;
}

void Card::update_ipae(const std::function<void(IpaeState&)>& change) {
  std::lock_guard guard(mu_);
  // A change that changes nothing writes nothing: the IPAe records often, and an image
  // write (fsync) is the dearest thing a card does.
  IpaeState next = state_.ipae;
  change(next);
  if (next == state_.ipae) return;
  update_state([&](CardState& s) { s.ipae = std::move(next); });
}

Bytes Card::transmit(ByteView raw) {
  std::lock_guard guard(mu_);
  if (!powered_) return {};
  const auto start = std::chrono::steady_clock::now();
  const std::uint8_t mode_before = state_.ipa_mode;
  const unsigned ch = apdu::parse(raw).command ? apdu::decode_cla(raw[0]).channel : 0;
  if (!filter_) {
    Bytes out = process(raw);
    trace(TraceEvent::Kind::kApdu, ch, raw, out, start);
    notify_ipae(mode_before);
    return out;
  }
  auto outcome = filter_->transmit(raw, [this](ByteView c) { return process(c); });
  trace(TraceEvent::Kind::kApdu, ch, raw, outcome.response, start, std::move(outcome.note));
  if (outcome.then == TransmitFilter::Then::kReset) {
    reset();
  } else if (outcome.then == TransmitFilter::Then::kPowerLoss) {
    // Everything volatile is gone; what survives is what reached the disk.
    power_off();
    if (auto s = filter_->state_after_power_loss()) {
      state_ = std::move(*s);
      id_ = state_.eid.str();
      cold_state();
    }
  }
  notify_ipae(mode_before);
  return std::move(outcome.response);
}

Bytes Card::process(ByteView raw) {
  Response r;
  unsigned ch = 0;
  auto parsed = apdu::parse(raw);
  if (!parsed.command) {
    r = Response::status(sw::kWrongLength);
  } else {
    const Command& cmd = *parsed.command;
    const auto cla = apdu::decode_cla(cmd.cla);
    ch = cla.channel;
    const std::uint8_t ins_high = cmd.ins & 0xF0;
    if (!cla.valid) {
      r = Response::status(sw::kClaNotSupported);
    } else if (ins_high == 0x60 || ins_high == 0x90) {
      // Procedure-byte values are not instructions (ISO/IEC 7816-3 §10.3.2).
      r = Response::status(sw::kInsNotSupported);
    } else if (cmd.extended) {
      r = Response::status(sw::kWrongLength);
    } else if (ch >= kChannels || !channels_[ch].open) {
      r = Response::status(sw::kLogicalChannelNotSupported);
    } else if (cla.secure_messaging) {
      r = Response::status(sw::kSecureMessagingNotSupported);
    } else if (cla.chaining) {
      r = Response::status(sw::kCommandChainingNotSupported);
    } else {
      applets::AppletContext ctx(state_, drbg_, ch);
      // The file system's selections and PIN verifications roll back with the card state: a
      // VERIFY whose counter reset cannot be written must not leave the PIN verified.
      const applets::naa::Session fs_before = fs_.session();
      try {
        r = dispatch(cmd, ch, ctx);
      } catch (...) {
        // A fault inside the card must not leak half a change: undo it all.
        ctx.roll_back();
        fs_.restore(fs_before);
        channels_[ch].drop_pending();
        channels_[ch].chain_active = false;
        channels_[ch].chain.clear();
        r = Response::status(sw::kNoPreciseDiagnosis);
      }
      bool persisted = true;
      if (ctx.state_changed()) {
        try {
          if (persist_) persist_(state_);
          ctx.commit();
        } catch (...) {
          ctx.roll_back();
          fs_.restore(fs_before);
          channels_[ch].drop_pending();
          r = Response::status(sw::kMemoryFailure);
          persisted = false;
        }
      }
      if (persisted && ctx.refresh_requested()) refresh(ch, ctx);
    }
  }
  // A proactive command waiting to be fetched turns 9000 into 91xx, whoever's answer it is.
  r.sw = toolkit_.shape(r.sw);
  return r.encode();
}

Response Card::dispatch(const Command& cmd, unsigned ch, applets::AppletContext& ctx) {
  auto& c = channels_[ch];
  if (cmd.ins == kInsGetResponse) return get_response(cmd, ch);
  // Any other command forfeits a response not yet fetched on this channel.
  c.drop_pending();
  const bool proprietary = (cmd.cla & 0x80) != 0;
  switch (cmd.ins) {
    case kInsManageChannel:
      return manage_channel(cmd, ch, ctx);
    case kInsSelect:
      return select(cmd, ch, ctx);
    case kInsTerminalCapability:
      if (proprietary) {
        Response r = terminal_capability(cmd);
        if (r.sw == sw::kOk) {
          for (auto& a : applets_) {
            a->terminal_capability(ctx, ByteView(*terminal_capability_).subspan(2));
          }
        }
        return r;
      }
      break;
    default:
      if (auto r = toolkit_dispatch(cmd, ch)) return std::move(*r);
      break;
  }
  if (!c.selected) return deliver(cmd, ch, fs_.process(ctx, cmd));
  if (cmd.ins == kInsStoreData && proprietary && c.selected->takes_store_data()) {
    return store_data(cmd, ch, ctx);
  }
  // Anything else breaks a STORE DATA chain: GlobalPlatform chains are contiguous.
  c.chain_active = false;
  c.chain.clear();
  return deliver(cmd, ch, c.selected->process(ctx, cmd));
}

Response Card::manage_channel(const Command& cmd, unsigned ch, applets::AppletContext& ctx) {
  if (cmd.has_data()) return Response::status(sw::kWrongLength);
  if (cmd.p1 == 0x00) {
    unsigned target = cmd.p2;
    if (target == 0) {
      for (unsigned i = 1; i < kChannels; ++i) {
        if (!channels_[i].open) {
          target = i;
          break;
        }
      }
      if (target == 0) return Response::status(sw::kFunctionNotSupported);  // none free
    } else if (target >= kChannels && target <= 19) {
      return Response::status(sw::kLogicalChannelNotSupported);
    } else if (target > 19 || channels_[target].open) {
      return Response::status(sw::kIncorrectP1P2);
    }
    auto& n = channels_[target];
    n = Channel{};
    n.open = true;
    // ISO/IEC 7816-4 §7.1.2: opened from another channel, the new one starts with that
    // channel's selection; opened from the basic channel, with none.
    const auto* from = channels_[ch].selected;
    if (ch != 0 && from && from->multi_selectable()) n.selected = channels_[ch].selected;
    fs_.open_channel(target, ch);
    if (cmd.p2 != 0) return Response::ok();
    return deliver(cmd, ch, Response::ok(Bytes{static_cast<std::uint8_t>(target)}));
  }
  if (cmd.p1 == 0x80) {
    const unsigned target = cmd.p2 == 0 ? ch : cmd.p2;
    if (target == 0 || target > 19) return Response::status(sw::kIncorrectP1P2);
    if (target >= kChannels) return Response::status(sw::kLogicalChannelNotSupported);
    // Closing a channel that is already closed succeeds: clients (onomondo-ipa) close
    // channel 1 blindly before opening their own.
    close_channel(target, ctx);
    return Response::ok();
  }
  return Response::status(sw::kIncorrectP1P2);
}

void Card::close_channel(unsigned ch, applets::AppletContext& ctx) {
  auto& c = channels_[ch];
  if (c.selected) c.selected->deselect(ctx);
  c = Channel{};
  fs_.close_channel(ch);
}

Response Card::select_file(const Command& cmd, unsigned ch, applets::AppletContext& ctx) {
  auto& c = channels_[ch];
  Response r = fs_.select(ctx, cmd);
  if (r.sw == sw::kOk && c.selected) {
    // A file (or an ADF) is now the channel's selection: the applet is left.
    c.selected->deselect(ctx);
    c.selected = nullptr;
    c.chain_active = false;
    c.chain.clear();
  }
  return deliver(cmd, ch, std::move(r));
}

Response Card::select(const Command& cmd, unsigned ch, applets::AppletContext& ctx) {
  // Selection by file identifier or path: the active profile's file system.
  if (cmd.p1 != 0x04) return select_file(cmd, ch, ctx);
  const std::uint8_t occurrence = cmd.p2 & 0x03;  // 00 first, 02 next (01 last, 03 previous)
  const std::uint8_t answer = cmd.p2 & 0x0C;      // 00 FCI, 04 FCP, 08 FMD, 0C none
  if ((cmd.p2 & 0xF0) != 0 || occurrence == 0x01 || occurrence == 0x03) {
    return Response::status(sw::kIncorrectP1P2);
  }
  if (!cmd.has_data()) return Response::status(sw::kWrongLength);
  if (cmd.data.size() > 16) return Response::status(sw::kIncorrectData);
  // A partial AID must at least name the registered application provider (5 bytes).
  if (cmd.data.size() < 5) return Response::status(sw::kNotFound);

  auto& c = channels_[ch];
  std::size_t from = 0;
  if (occurrence == 0x02 && c.selected) {
    for (std::size_t i = 0; i < applets_.size(); ++i) {
      if (applets_[i].get() == c.selected) from = i + 1;
    }
  }
  applets::Applet* target = nullptr;
  for (std::size_t i = from; i < applets_.size(); ++i) {
    if (starts_with(applets_[i]->aid(), cmd.data)) {
      target = applets_[i].get();
      break;
    }
  }
  // No applet: an ADF of the active profile, by its AID (EF.DIR's applications).
  if (!target) return select_file(cmd, ch, ctx);
  if (!target->multi_selectable()) {
    for (unsigned i = 0; i < kChannels; ++i) {
      if (i != ch && channels_[i].selected == target) {
        return Response::status(sw::kConditionsNotSatisfied);
      }
    }
  }
  if (c.selected && c.selected != target) c.selected->deselect(ctx);
  c.selected = target;
  fs_.leave_channel(ch);
  c.chain_active = false;
  c.chain.clear();
  Response r = target->select(ctx);
  if (answer == 0x0C) r.data.clear();
  return deliver(cmd, ch, std::move(r));
}

Response Card::terminal_capability(const Command& cmd) {
  if (cmd.p1 != 0 || cmd.p2 != 0) return Response::status(sw::kIncorrectP1P2);
  if (!cmd.has_data()) return Response::status(sw::kWrongLength);
  // The data is one template A9 of capability TLVs (TS 102 221 §11.1.19). An ISO/IEC 7816-4
  // BER-TLV data object, whose long-form lengths may use more octets than needed
  // (ISO/IEC 7816-4 §5.2.2.2): read as BER.
  auto object = tlv::read(cmd.data, tlv::Rules::kBer);
  if (!object || object->tag != 0xA9 || object->size != cmd.data.size()) {
    return Response::status(sw::kIncorrectData);
  }
  terminal_capability_ = cmd.data;
  return Response::ok();
}

Response Card::store_data(const Command& cmd, unsigned ch, applets::AppletContext& ctx) {
  auto& c = channels_[ch];
  if (!cmd.has_data()) return Response::status(sw::kWrongLength);
  const bool last = (cmd.p1 & 0x80) != 0;
  const bool continues = c.chain_active && cmd.p2 == c.next_block;
  // Block numbers run 0, 1, 2, ... (modulo 256 for very long chains); a new chain starts at 0.
  if (!continues && cmd.p2 != 0) return Response::status(sw::kIncorrectP1P2);
  const std::size_t before = continues ? c.chain.size() : 0;
  if (before + cmd.data.size() > options_.store_data_limit) {
    return Response::status(sw::kNotEnoughMemory);
  }
  if (!continues) c.chain.clear();
  c.chain.insert(c.chain.end(), cmd.data.begin(), cmd.data.end());
  c.chain_active = true;
  c.next_block = static_cast<std::uint8_t>(cmd.p2 + 1);
  if (!last) return Response::ok();
  Bytes whole = std::move(c.chain);
  c.chain.clear();
  c.chain_active = false;
  return deliver(cmd, ch, c.selected->store_data(ctx, whole));
}

Response Card::get_response(const Command& cmd, unsigned ch) {
  auto& c = channels_[ch];
  if (cmd.p1 != 0 || cmd.p2 != 0) return Response::status(sw::kIncorrectP1P2);
  if (cmd.has_data() || !cmd.ne) return Response::status(sw::kWrongLength);
  if (c.pending.empty()) return Response::status(sw::kConditionsNotSatisfied);
  const std::size_t remaining = c.pending.size() - c.pending_offset;
  const std::size_t ne = *cmd.ne;
  if (protocol_ == Protocol::kT0 && ne > remaining) {
    // T=0 wants exactly what is there: tell the terminal, keep the data for its retry.
    return Response::status(with_count(0x6C00, remaining));
  }
  return next_chunk(c, ne);
}

Response Card::next_chunk(Channel& c, std::size_t max) {
  const std::size_t remaining = c.pending.size() - c.pending_offset;
  const std::size_t n = std::min({max, remaining, std::size_t{256}});
  Response r;
  const auto first = c.pending.begin() + static_cast<std::ptrdiff_t>(c.pending_offset);
  r.data.assign(first, first + static_cast<std::ptrdiff_t>(n));
  c.pending_offset += n;
  if (c.pending_offset == c.pending.size()) {
    r.sw = c.pending_sw;
    c.drop_pending();
  } else {
    r.sw = with_count(0x6100, c.pending.size() - c.pending_offset);
  }
  return r;
}

Response Card::deliver(const Command& cmd, unsigned ch, Response r) {
  if (r.data.empty()) return r;
  auto& c = channels_[ch];
  const std::size_t available = r.data.size();
  // Under T=0 the Le of a case-4 command never reaches the card (ISO/IEC 7816-3 §12.2.4):
  // like a command without Le, it learns of its data through 61xx.
  const bool le_arrives =
      cmd.ne.has_value() && (protocol_ == Protocol::kT1 || cmd.apdu_case == Case::k2);
  c.pending = std::move(r.data);
  c.pending_offset = 0;
  c.pending_sw = r.sw;
  if (!le_arrives) return Response::status(with_count(0x6100, available));
  const std::size_t ne = *cmd.ne;
  if (protocol_ == Protocol::kT0 && ne > available) {
    // Case 2 under T=0 with the wrong Le: the terminal must repeat the command.
    c.drop_pending();
    return Response::status(with_count(0x6C00, available));
  }
  return next_chunk(c, ne);
}

}  // namespace euiccsim::sim
