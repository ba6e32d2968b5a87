#include "euiccsim/simulator/faults.hpp"

#include <unistd.h>

#include <cstdio>

#include "euiccsim/simulator/card_image.hpp"

namespace euiccsim::sim {

namespace {

constexpr std::uint8_t kInsStoreData = 0xE2;

// The BER tag at the start of `data` as one number (BF31 -> 0xBF31); nothing if malformed.
std::optional<std::uint32_t> leading_tag(ByteView data) {
  if (data.empty()) return std::nullopt;
  std::uint32_t tag = data[0];
  if ((data[0] & 0x1F) != 0x1F) return tag;
  for (std::size_t i = 1; i < data.size() && i < 4; ++i) {
    tag = (tag << 8) | data[i];
    if ((data[i] & 0x80) == 0) return tag;
  }
  return std::nullopt;
}

std::string hex_tag(std::uint32_t tag) {
  char b[16];
  std::snprintf(b, sizeof b, "%X", tag);
  return b;
}

}  // namespace

const char* fault_kind_name(CardFault::Kind kind) {
  switch (kind) {
    case CardFault::Kind::kPowerLoss:
      return "power-loss";
    case CardFault::Kind::kTear:
      return "tear";
    case CardFault::Kind::kReset:
      return "reset";
    case CardFault::Kind::kStatusWord:
      return "sw";
    case CardFault::Kind::kTruncate:
      return "truncate";
    case CardFault::Kind::kBitFlip:
      return "bit-flip";
    case CardFault::Kind::kDelay:
      return "delay";
  }
  return "?";
}

std::string describe(const CardFault& f) {
  std::string what;
  switch (f.kind) {
    case CardFault::Kind::kPowerLoss:
      what = "power loss before the answer";
      break;
    case CardFault::Kind::kTear:
      what = f.tear == CardFault::TearPoint::kWrite
                 ? "power loss while the image is written (half-written temporary file)"
                 : "power loss before the new image is renamed into place";
      break;
    case CardFault::Kind::kReset:
      what = "reset instead of the answer";
      break;
    case CardFault::Kind::kStatusWord: {
      char b[8];
      std::snprintf(b, sizeof b, "%04X", f.sw);
      what = std::string("status word replaced by ") + b;
      break;
    }
    case CardFault::Kind::kTruncate:
      what = "answer truncated to " + std::to_string(f.keep) + " byte(s)";
      break;
    case CardFault::Kind::kBitFlip:
      what = "bit " + std::to_string(f.bit) + " of the answer flipped";
      break;
    case CardFault::Kind::kDelay:
      what = "answer delayed " + std::to_string(f.delay.count()) + " ms";
      break;
  }
  std::string where;
  if (f.apdu) {
    where = "at APDU " + std::to_string(*f.apdu);
  } else if (f.es10_tag) {
    where = "at the ES10 request " + hex_tag(*f.es10_tag);
    if (f.occurrence != 1)
      where += f.occurrence == 0 ? " (every one)" : " (#" + std::to_string(f.occurrence) + ")";
  } else {
    where = "at every APDU";
  }
  return what + " " + where;
}

FaultInjector::FaultInjector(std::vector<CardFault> plan, Hooks hooks)
    : plan_(std::move(plan)), seen_(plan_.size(), 0), hooks_(std::move(hooks)) {}

std::size_t FaultInjector::apdus() const {
  std::lock_guard lock(mu_);
  return apdus_;
}

std::vector<FiredFault> FaultInjector::fired() const {
  std::lock_guard lock(mu_);
  return fired_;
}

void FaultInjector::rearm() {
  std::lock_guard lock(mu_);
  apdus_ = 0;
  std::fill(seen_.begin(), seen_.end(), 0);
  for (auto& t : chain_tag_) t.reset();
}

bool FaultInjector::matches(const CardFault& f, std::size_t index, bool es10_exec,
                            std::uint32_t tag) {
  if (f.apdu) return *f.apdu == index;
  if (f.es10_tag && (!es10_exec || *f.es10_tag != tag)) return false;
  return true;
}

void FaultInjector::save(const std::filesystem::path& path, const CardState& state) {
  if (!tear_) {
    save_image(path, state);
    return;
  }
  const auto point = *tear_;
  SaveHooks hooks;
  hooks.before_rename = [this, point](const std::filesystem::path& tmp) {
    tore_ = true;
    if (point == CardFault::TearPoint::kWrite) {
      // The power went while the bytes were on their way: half the file reached the disk.
      std::error_code ec;
      const auto size = std::filesystem::file_size(tmp, ec);
      if (!ec) std::filesystem::resize_file(tmp, size / 2, ec);
    }
    // A real power loss leaves the writer's temporary file behind (its clean-up never runs),
    // but save_image unlinks that name when a hook throws: a second name keeps the bytes, one
    // the card's next claim removes as any leftover (the prefix and six characters).
    std::string leftover = tmp.filename().string();
    leftover.replace(leftover.size() - 6, 6, "power0");
    std::error_code ec;
    std::filesystem::remove(tmp.parent_path() / leftover, ec);
    std::filesystem::create_hard_link(tmp, tmp.parent_path() / leftover, ec);
    throw PowerLoss();
  };
  save_image(path, state, hooks);
}

TransmitFilter::Outcome FaultInjector::transmit(ByteView command,
                                                const std::function<Bytes(ByteView)>& card) {
  std::optional<std::size_t> strike;
  std::size_t index = 0;
  {
    std::lock_guard lock(mu_);
    index = ++apdus_;
    bool es10_exec = false;
    std::uint32_t tag = 0;
    if (command.size() >= 5 && command[1] == kInsStoreData && (command[0] & 0x80)) {
      const auto cla = apdu::decode_cla(command[0]);
      if (cla.valid && cla.channel < chain_tag_.size()) {
        auto& chain = chain_tag_[cla.channel];
        if (command[3] == 0x00) chain = leading_tag(command.subspan(5));
        if ((command[2] & 0x80) && chain) {
          es10_exec = true;
          tag = *chain;
          chain.reset();
        }
      }
    }
    for (std::size_t i = 0; i < plan_.size(); ++i) {
      if (!matches(plan_[i], index, es10_exec, tag)) continue;
      const unsigned n = ++seen_[i];
      const unsigned want = plan_[i].apdu ? 1 : plan_[i].occurrence;
      if (want == 0 || n == want) {
        strike = i;
        break;
      }
    }
  }
  if (!strike) {
    Outcome plain;
    plain.response = card(command);
    return plain;
  }

  const CardFault& f = plan_[*strike];
  FiredFault fired{*strike, index, false, describe(f)};
  Outcome out;
  switch (f.kind) {
    case CardFault::Kind::kPowerLoss:
      card(command);
      out.then = Then::kPowerLoss;
      break;
    case CardFault::Kind::kTear:
      tear_ = f.tear;
      tore_ = false;
      card(command);
      tear_.reset();
      if (!tore_) {
        fired.no_write = true;
        fired.note += " (the command wrote no image: power loss before the answer)";
      }
      out.then = Then::kPowerLoss;
      break;
    case CardFault::Kind::kReset:
      card(command);
      out.then = Then::kReset;
      break;
    case CardFault::Kind::kStatusWord:
      out.response = card(command);
      if (out.response.size() >= 2) {
        out.response[out.response.size() - 2] = static_cast<std::uint8_t>(f.sw >> 8);
        out.response.back() = static_cast<std::uint8_t>(f.sw & 0xFF);
      }
      break;
    case CardFault::Kind::kTruncate:
      out.response = card(command);
      if (out.response.size() > f.keep) out.response.resize(f.keep);
      break;
    case CardFault::Kind::kBitFlip:
      out.response = card(command);
      if (f.bit / 8 < out.response.size())
        out.response[f.bit / 8] ^= static_cast<std::uint8_t>(0x80u >> (f.bit % 8));
      break;
    case CardFault::Kind::kDelay:
      if (hooks_.wait) hooks_.wait(f.delay);
      out.response = card(command);
      break;
  }
  out.note = "fault: " + fired.note;
  std::lock_guard lock(mu_);
  fired_.push_back(std::move(fired));
  return out;
}

std::optional<CardState> FaultInjector::state_after_power_loss() {
  if (!hooks_.reload) return std::nullopt;
  return hooks_.reload();
}

}  // namespace euiccsim::sim
