#include "replay.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include <nlohmann/json.hpp>

#include "euiccsim/crypto/tlv.hpp"
#include "euiccsim/simulator/trace_gsmtap.hpp"

namespace euiccsim::scenario {

bool is_capture_text(std::string_view text);

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> out;
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out.push_back(line);
  }
  return out;
}

bool icontains(std::string_view hay, std::string_view needle) {
  auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(),
                        [](char a, char b) { return std::tolower(a) == std::tolower(b); });
  return it != hay.end();
}

Bytes hex_words(std::string_view s, const std::string& where) {
  std::string digits;
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    digits.push_back(c);
  }
  try {
    return from_hex(digits);
  } catch (const HexError& e) {
    throw ReplayError(where + ": " + e.what());
  }
}

RecordingFormat sniff(std::string_view text, const std::string& name) {
  if (is_capture_text(text)) return RecordingFormat::kCapture;
  auto ends = [&](const char* ext) {
    return name.size() >= std::strlen(ext) &&
           name.compare(name.size() - std::strlen(ext), std::string::npos, ext) == 0;
  };
  if (ends(".jsonl")) return RecordingFormat::kJsonl;
  if (ends(".apdu")) return RecordingFormat::kApduScript;
  for (const auto& raw : lines_of(text)) {
    auto line = trim(raw);
    if (line.empty() || line.front() == '#') continue;
    if (line.front() == '{') return RecordingFormat::kJsonl;
    if (line.find("->") != std::string_view::npos) return RecordingFormat::kApduScript;
    if (line.rfind("> ", 0) == 0) return RecordingFormat::kScriptor;
    if (line.find(" > ") != std::string_view::npos && line.find(" ch") != std::string_view::npos)
      return RecordingFormat::kText;
    if (line.find(" power-on") != std::string_view::npos ||
        line.find(" power-off") != std::string_view::npos)
      return RecordingFormat::kText;
  }
  return RecordingFormat::kScriptor;
}

std::vector<Recorded> from_capture(ByteView data, const std::string& name) {
  std::vector<sim::CapturedApdu> captured;
  try {
    captured = sim::read_gsmtap_capture(data);
  } catch (const std::runtime_error& e) {
    throw ReplayError(name + ": " + e.what());
  }
  std::vector<Recorded> out;
  for (auto& c : captured) {
    Recorded r;
    r.where = "frame " + std::to_string(c.packet);
    if (c.kind == sim::CapturedApdu::Kind::kAtr) {
      r.kind = Recorded::Kind::kReset;
      r.response = std::move(c.response);
    } else {
      r.command = std::move(c.command);
      r.response = std::move(c.response);
    }
    out.push_back(std::move(r));
  }
  return out;
}

// pcsc-tools scriptor: a script (hex lines, "reset", "exit", "#", "\" continues a line) or
// its output ("> HEX", "< HEX wrapped at 16 bytes : meaning", "> RESET", "< OK: ATR").
std::vector<Recorded> from_scriptor(std::string_view text, const std::string& name) {
  const auto lines = lines_of(text);
  const bool log = std::any_of(lines.begin(), lines.end(),
                               [](const std::string& l) { return l.rfind("> ", 0) == 0; });
  std::vector<Recorded> out;
  if (!log) {
    std::string pending;
    std::size_t start_line = 0;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const std::string where = name + ":" + std::to_string(i + 1);
      std::string_view line = lines[i];
      if (icontains(line, "exit")) break;
      if (trim(line).empty() || line.front() == '#') continue;
      if (icontains(line, "reset")) {
        Recorded r;
        r.kind = Recorded::Kind::kReset;
        r.where = "line " + std::to_string(i + 1);
        out.push_back(std::move(r));
        continue;
      }
      auto t = trim(line);
      if (pending.empty()) start_line = i + 1;
      if (!t.empty() && t.back() == '\\') {
        pending.append(t.substr(0, t.size() - 1));
        pending.push_back(' ');
        continue;
      }
      pending.append(t);
      Recorded r;
      r.command = hex_words(pending, where);
      r.where = "line " + std::to_string(start_line);
      if (r.command.size() < 4) throw ReplayError(where + ": an APDU has at least 4 bytes");
      out.push_back(std::move(r));
      pending.clear();
    }
    return out;
  }
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (line.rfind("> ", 0) != 0) continue;
    const std::string where = name + ":" + std::to_string(i + 1);
    Recorded r;
    r.where = "line " + std::to_string(i + 1);
    const auto cmd = trim(std::string_view(line).substr(2));
    if (icontains(cmd, "reset")) {
      r.kind = Recorded::Kind::kReset;
      if (i + 1 < lines.size() && lines[i + 1].rfind("< OK:", 0) == 0)
        r.response = hex_words(std::string_view(lines[i + 1]).substr(5), where);
      out.push_back(std::move(r));
      continue;
    }
    r.command = hex_words(cmd, where);
    // The answer: "< " then hex over one or more lines, ended by " : meaning".
    std::string hex;
    std::size_t j = i + 1;
    if (j < lines.size() && lines[j].rfind("< ", 0) == 0) {
      std::string_view rest = std::string_view(lines[j]).substr(2);
      for (;;) {
        auto colon = rest.find(':');
        hex.append(rest.substr(0, colon));
        if (colon != std::string_view::npos || ++j >= lines.size()) break;
        rest = lines[j];
      }
      r.response = hex_words(hex, where);
      i = j;
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<Recorded> from_jsonl(std::string_view text, const std::string& name) {
  std::vector<Recorded> out;
  const auto lines = lines_of(text);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (trim(lines[i]).empty()) continue;
    const std::string where = name + ":" + std::to_string(i + 1);
    auto j = nlohmann::json::parse(lines[i], nullptr, false);
    if (!j.is_object() || !j.contains("kind") || !j["kind"].is_string())
      throw ReplayError(where + ": not a trace event (a JSON object with \"kind\")");
    const std::string kind = j["kind"];
    Recorded r;
    r.where = "line " + std::to_string(i + 1);
    if (j.contains("card") && j["card"].is_string()) r.card = j["card"];
    auto hex = [&](const char* key) -> Bytes {
      if (!j.contains(key) || !j[key].is_string())
        throw ReplayError(where + ": no \"" + key + "\"");
      return hex_words(j[key].get<std::string>(), where);
    };
    if (kind == "apdu") {
      r.command = hex("c");
      r.response = hex("r");
    } else if (kind == "power-on") {
      r.kind = Recorded::Kind::kPowerOn;
      if (j.contains("r")) r.response = hex("r");
    } else if (kind == "reset") {
      r.kind = Recorded::Kind::kReset;
      if (j.contains("r")) r.response = hex("r");
    } else if (kind == "power-off") {
      r.kind = Recorded::Kind::kPowerOff;
    } else {
      continue;  // peer messages: not the card's
    }
    out.push_back(std::move(r));
  }
  return out;
}

// Our text trace: "TIME EID chN > HEX", the answer on the next line "... < HEX  (N us)";
// "TIME EID power-on ATR HEX", "... reset ATR HEX", "... power-off".
std::vector<Recorded> from_text(std::string_view text, const std::string& name) {
  std::vector<Recorded> out;
  const auto lines = lines_of(text);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::istringstream words(lines[i]);
    std::string time, card, what;
    if (!(words >> time >> card >> what)) continue;
    const std::string where = name + ":" + std::to_string(i + 1);
    Recorded r;
    r.where = "line " + std::to_string(i + 1);
    r.card = card;
    if (what.rfind("ch", 0) == 0) {
      std::string arrow, hex;
      if (!(words >> arrow >> hex) || arrow != ">") continue;  // a peer message line
      r.command = hex_words(hex, where);
      if (i + 1 < lines.size()) {
        std::istringstream next(lines[i + 1]);
        std::string lt, rsp;
        if (next >> lt && lt == "<") {
          if (!(next >> rsp) || rsp.front() == '(') rsp.clear();
          r.response = hex_words(rsp, where);
          ++i;
        }
      }
    } else if (what == "power-on" || what == "reset") {
      r.kind = what == "reset" ? Recorded::Kind::kReset : Recorded::Kind::kPowerOn;
      std::string atr_word, atr;
      if (words >> atr_word >> atr && atr_word == "ATR") r.response = hex_words(atr, where);
    } else if (what == "power-off") {
      r.kind = Recorded::Kind::kPowerOff;
    } else {
      continue;
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<Recorded> from_apdu_script(std::string_view text, const std::string& name) {
  std::vector<tools::ScriptStep> steps;
  try {
    steps = tools::parse_script(text);
  } catch (const tools::ScriptError& e) {
    throw ReplayError(name + ": " + e.what());
  }
  std::vector<Recorded> out;
  for (auto& s : steps) {
    Recorded r;
    r.where = "line " + std::to_string(s.line);
    if (s.kind == tools::ScriptStep::Kind::kReset) {
      r.kind = Recorded::Kind::kReset;
    } else {
      r.command = std::move(s.command);
      r.expect = std::move(s.expect);
    }
    out.push_back(std::move(r));
  }
  return out;
}

bool tag_path_matches(const std::vector<std::uint32_t>& stack,
                      const std::vector<std::vector<std::uint32_t>>& paths) {
  for (const auto& p : paths) {
    if (p.size() > stack.size()) continue;
    if (std::equal(p.rbegin(), p.rend(), stack.rbegin())) return true;
  }
  return false;
}

std::string tag_hex(std::uint32_t t) {
  char b[16];
  std::snprintf(b, sizeof b, "%X", t);
  return b;
}

std::string path_text(const std::vector<std::uint32_t>& stack) {
  std::string s;
  for (auto t : stack) s += (s.empty() ? "" : "/") + tag_hex(t);
  return s;
}

// Compares two BER-TLV sequences field by field; "" when equal under `tags`.
std::string compare_tlv(ByteView recorded, ByteView actual, std::vector<std::uint32_t>& stack,
                        const std::vector<std::vector<std::uint32_t>>& tags) {
  auto r = tlv::read_all(recorded);
  auto a = tlv::read_all(actual);
  if (!r || !a) {
    if (std::equal(recorded.begin(), recorded.end(), actual.begin(), actual.end())) return "";
    return "the value of " + (stack.empty() ? std::string("the data") : path_text(stack)) +
           " differs";
  }
  if (r->size() != a->size()) {
    return (stack.empty() ? std::string("the data") : path_text(stack)) + " holds " +
           std::to_string(a->size()) + " field(s), the recording " + std::to_string(r->size());
  }
  for (std::size_t i = 0; i < r->size(); ++i) {
    const auto& rt = (*r)[i];
    const auto& at = (*a)[i];
    if (rt.tag != at.tag) {
      stack.push_back(rt.tag);
      std::string where = path_text(stack);
      stack.pop_back();
      return "tag " + tag_hex(at.tag) + " where the recording has " + where;
    }
    stack.push_back(rt.tag);
    std::string why;
    if (!tag_path_matches(stack, tags)) {
      if (rt.constructed()) {
        why = compare_tlv(rt.value, at.value, stack, tags);
      } else if (!std::equal(rt.value.begin(), rt.value.end(), at.value.begin(), at.value.end())) {
        why = path_text(stack) + " is " + to_hex(at.value) + ", the recording " + to_hex(rt.value);
      }
    }
    stack.pop_back();
    if (!why.empty()) return why;
  }
  return "";
}

}  // namespace

std::optional<RecordingFormat> recording_format(std::string_view name) {
  if (name == "auto") return RecordingFormat::kAuto;
  if (name == "pcap" || name == "pcapng" || name == "gsmtap") return RecordingFormat::kCapture;
  if (name == "scriptor") return RecordingFormat::kScriptor;
  if (name == "jsonl") return RecordingFormat::kJsonl;
  if (name == "text") return RecordingFormat::kText;
  if (name == "apdu") return RecordingFormat::kApduScript;
  return std::nullopt;
}

const char* recording_format_name(RecordingFormat f) {
  switch (f) {
    case RecordingFormat::kAuto:
      return "auto";
    case RecordingFormat::kCapture:
      return "pcap";
    case RecordingFormat::kScriptor:
      return "scriptor";
    case RecordingFormat::kJsonl:
      return "jsonl";
    case RecordingFormat::kText:
      return "text";
    case RecordingFormat::kApduScript:
      return "apdu";
  }
  return "?";
}

bool is_capture_text(std::string_view text) {
  return sim::is_capture(ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

std::vector<Recorded> parse_recording(std::string_view text, RecordingFormat format,
                                      const std::string& name, RecordingFormat* detected) {
  if (format == RecordingFormat::kAuto) format = sniff(text, name);
  if (detected) *detected = format;
  switch (format) {
    case RecordingFormat::kCapture:
      return from_capture(ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()),
                          name);
    case RecordingFormat::kScriptor:
      return from_scriptor(text, name);
    case RecordingFormat::kJsonl:
      return from_jsonl(text, name);
    case RecordingFormat::kText:
      return from_text(text, name);
    case RecordingFormat::kApduScript:
    case RecordingFormat::kAuto:
      return from_apdu_script(text, name);
  }
  return {};
}

std::vector<Recorded> read_recording(const std::filesystem::path& path, RecordingFormat format,
                                     RecordingFormat* detected) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ReplayError("cannot read " + path.string());
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse_recording(data, format, path.string(), detected);
}

HexPattern HexPattern::parse(std::string_view text) {
  HexPattern p;
  p.text_ = std::string(trim(text));
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    if (c == '*') {
      if (p.star_) throw std::invalid_argument("at most one '*' in a pattern");
      p.star_ = true;
      continue;
    }
    const int v = c == '.' ? -1 : hex_digit(c);
    if (c != '.' && v < 0) throw std::invalid_argument(std::string("'") + c + "' in a hex pattern");
    (p.star_ ? p.after_ : p.before_).push_back(v);
  }
  if (p.before_.size() % 2 || p.after_.size() % 2)
    throw std::invalid_argument("a hex pattern needs whole bytes (pairs of digits)");
  return p;
}

bool HexPattern::matches(ByteView b) const {
  auto run = [](const std::vector<int>& d, ByteView bytes) {
    if (d.size() != bytes.size() * 2) return false;
    for (std::size_t i = 0; i < d.size(); ++i) {
      const int actual = i % 2 ? (bytes[i / 2] & 0x0F) : (bytes[i / 2] >> 4);
      if (d[i] >= 0 && d[i] != actual) return false;
    }
    return true;
  };
  if (!star_) return run(before_, b);
  const std::size_t head = before_.size() / 2, tail = after_.size() / 2;
  if (b.size() < head + tail) return false;
  return run(before_, b.first(head)) && run(after_, b.last(tail));
}

std::vector<std::uint32_t> parse_tag_path(std::string_view text) {
  std::vector<std::uint32_t> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && text[i] != '/') continue;
    auto part = trim(text.substr(start, i - start));
    Bytes b;
    try {
      b = from_hex(part);
    } catch (const HexError&) {
      throw std::invalid_argument("'" + std::string(text) +
                                  "': a tag path is hex tags joined by '/'");
    }
    if (b.empty() || b.size() > 4)
      throw std::invalid_argument("'" + std::string(part) + "' is not a tag");
    std::uint32_t t = 0;
    for (auto x : b) t = (t << 8) | x;
    out.push_back(t);
    start = i + 1;
  }
  return out;
}

std::optional<Mask> named_mask(std::string_view name) {
  Mask m;
  m.name = std::string(name);
  if (name == "challenge") {
    m.tags = {{0xBF2E, 0x80}};
  } else if (name == "signatures") {
    m.tags = {{0x5F37}};
  } else if (name == "eid") {
    m.tags = {{0xBF3E, 0x5A}, {0x5A}};
  } else if (name == "certificates") {
    // AuthenticateServerResponse's euiccCertificate and eumCertificate, GetCerts' A5/A6.
    m.tags = {{0xBF38, 0xA0, 0x30}, {0xBF56, 0xA5}, {0xBF56, 0xA6}, {0xBF56, 0x30}};
  } else if (name == "transaction-id") {
    m.tags = {{0xBF38, 0xA0, 0x30, 0x80},
              {0xBF21, 0xA0, 0x30, 0x80},
              {0xBF38, 0xA1, 0x80},
              {0xBF21, 0xA1, 0x80},
              {0xBF37, 0xBF27, 0x80}};
  } else if (name == "one-time-key") {
    m.tags = {{0x5F49}};
  } else {
    return std::nullopt;
  }
  return m;
}

std::vector<std::string> named_masks() {
  return {"challenge", "signatures", "eid", "certificates", "transaction-id", "one-time-key"};
}

std::string compare_response(ByteView command, ByteView recorded, ByteView actual,
                             const std::vector<Mask>& masks) {
  bool skip_sw = false, skip_data = false;
  std::vector<std::vector<std::uint32_t>> tags;
  std::vector<std::pair<std::size_t, std::size_t>> ranges;
  for (const auto& m : masks) {
    if (m.command && !m.command->matches(command)) continue;
    skip_sw |= m.sw;
    skip_data |= m.data;
    tags.insert(tags.end(), m.tags.begin(), m.tags.end());
    ranges.insert(ranges.end(), m.bytes.begin(), m.bytes.end());
  }
  if (actual.empty() && !recorded.empty())
    return "the card is mute, the recording has " + to_hex(recorded);
  if (recorded.size() < 2 || actual.size() < 2) {
    if (std::equal(recorded.begin(), recorded.end(), actual.begin(), actual.end())) return "";
    return "answered " + to_hex(actual) + ", the recording " + to_hex(recorded);
  }
  const auto rsw = recorded.last(2), asw = actual.last(2);
  if (!skip_sw && !std::equal(rsw.begin(), rsw.end(), asw.begin()))
    return "status word " + to_hex(asw) + ", the recording " + to_hex(rsw);
  if (skip_data) return "";
  const auto rdata = recorded.first(recorded.size() - 2), adata = actual.first(actual.size() - 2);
  // BER-TLV answers are compared field by field (the message names the tag path), unless the
  // masks are byte ranges.
  if (ranges.empty() && !rdata.empty() && tlv::read_all(rdata) && tlv::read_all(adata)) {
    std::vector<std::uint32_t> stack;
    return compare_tlv(rdata, adata, stack, tags);
  }
  if (rdata.size() != adata.size()) {
    // A range that runs to the end may cover a length difference.
    for (const auto& [off, len] : ranges) {
      if (off <= std::min(rdata.size(), adata.size()) && len == std::size_t(-1)) {
        if (std::equal(rdata.begin(), rdata.begin() + static_cast<std::ptrdiff_t>(off),
                       adata.begin()))
          return "";
      }
    }
    return std::to_string(adata.size()) + " data byte(s), the recording " +
           std::to_string(rdata.size());
  }
  for (std::size_t i = 0; i < rdata.size(); ++i) {
    if (rdata[i] == adata[i]) continue;
    const bool masked = std::any_of(ranges.begin(), ranges.end(), [&](const auto& r) {
      return i >= r.first && (r.second == std::size_t(-1) || i < r.first + r.second);
    });
    if (masked) continue;
    return "data byte " + std::to_string(i) + " is " + to_hex(adata.subspan(i, 1)) +
           ", the recording " + to_hex(rdata.subspan(i, 1));
  }
  return "";
}

}  // namespace euiccsim::scenario
