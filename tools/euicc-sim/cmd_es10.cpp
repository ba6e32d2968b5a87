// euicc-sim es10: send one ES10 function to a card, as an LPA does, and print the answer
// decoded. The card is a PC/SC reader (--reader: through pcscd, exactly the path lpac takes)
// or a card of the state directory run in-process (--card).
//
// The functions themselves (names, requests, answer types) are es10_functions.hpp's.
#include <algorithm>
#include <optional>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "asn1_json.hpp"
#include "common.hpp"
#include "es10_functions.hpp"
#include "es10_link.hpp"
#include "euiccsim/profiles/asn1.hpp"

#include <constr_TYPE.h>

namespace euiccsim::tools {

namespace {

struct Es10Options : CardLinkOptions {
  std::string isdr_aid = "A0000005591010FFFFFFFF8900000100";
  bool json = false;
  std::vector<std::string> args;
};

int run(GlobalOptions& global, const Es10Options& o) {
  if (o.args.empty()) throw UsageError("name an ES10 function (see: euicc-sim es10 --help)");
  const std::string fn = o.args.front();
  const std::vector<std::string> rest(o.args.begin() + 1, o.args.end());
  Bytes request;
  try {
    request = build_es10_request(fn, rest);
  } catch (const HexError& e) {
    throw UsageError(fn + ": " + e.what());
  }
  Es10ChannelOptions channel_options = tools::channel_options(o);
  Bytes isdr;
  try {
    isdr = from_hex(o.isdr_aid);
  } catch (const HexError& e) {
    throw UsageError(std::string("--isdr-aid: ") + e.what());
  }
  std::unique_ptr<Link> link = open_link(global, o);
  channel_options.isdr_aid = isdr;
  Bytes answer;
  {
    Es10Channel channel(*link, channel_options);
    answer = channel.call(request);
  }

  const Es10Function* f = nullptr;
  for (const auto& g : es10_functions()) {
    if (fn == g.name) f = &g;
  }
  std::string decoded;
  std::string error;
  json::Value answer_json;
  std::optional<Outcome> outcome;
  if (f != nullptr && f->response != nullptr) {
    try {
      std::size_t consumed = 0;
      auto value = asn1::decode(*f->response, answer, consumed);
      if (consumed != answer.size())
        throw asn1::DecodeError("trailing bytes after the answer", consumed);
      decoded = es10_xer(*f->response, answer);
      answer_json = asn1_to_json(*f->response, value.get());
      outcome = asn1_outcome(*f->response, value.get());
    } catch (const asn1::DecodeError& e) {
      error = std::string("the answer does not decode as ") + f->response->name + ": " + e.what();
    }
  }
  if (o.json) {
    auto j = json::Value::object();
    j["function"] = fn;
    j["request"] = to_hex(request);
    j["response"] = to_hex(answer);
    if (!decoded.empty()) j["answer"] = std::move(answer_json);
    if (outcome) {
      auto r = json::Value::object();
      r["field"] = outcome->field;
      r["name"] = outcome->name.empty() ? json::Value() : json::Value(outcome->name);
      r["value"] = outcome->value;
      j["result"] = std::move(r);
    }
    j["ok"] = error.empty() && (!outcome || outcome->ok);
    if (!error.empty()) j["error"] = error;
    std::cout << json::dump(j) << '\n';
  } else {
    std::cout << to_hex(answer) << '\n';
    if (!decoded.empty()) std::cout << decoded << '\n';
    if (!error.empty()) std::cerr << "euicc-sim: " << error << '\n';
  }
  if (!error.empty()) return 1;
  if (outcome && !outcome->ok) {
    // The card said no: exit status 1, and the reason in one line (stdout keeps the answer).
    if (!o.json)
      std::cerr << "euicc-sim: " << fn << ": the card answered " << outcome->field << " "
                << (outcome->name.empty()
                        ? std::to_string(outcome->value)
                        : outcome->name + "(" + std::to_string(outcome->value) + ")")
                << '\n';
    return 1;
  }
  return 0;
}

}  // namespace

void add_es10_command(CLI::App& app, GlobalOptions& global) {
  auto o = std::make_shared<Es10Options>();
  auto* cmd = app.add_subcommand(
      "es10", "Send one ES10 function to a card (PC/SC reader or in-process) and decode it");
  add_card_link_options(cmd, *o);
  cmd->add_option("--isdr-aid", o->isdr_aid, "ISD-R AID to select")->capture_default_str();
  cmd->add_flag("--json", o->json,
                "One JSON line: request and response hex, the answer decoded, the result");
  cmd->add_option("function", o->args, "The function and its arguments (below)")->required();
  std::ostringstream footer;
  footer << "Functions:\n";
  for (const auto& f : es10_functions()) {
    // Whole lines however long the help: the usage column is padded, never cut.
    std::string usage = f.usage;
    if (usage.size() < 48) usage.resize(48, ' ');
    footer << "  " << usage << " " << f.help << "\n";
  }
  footer << "The answer prints as hex, then decoded (XER); --json gives it as JSON with names\n"
            "and values, and the result code as {field, name, value}.\n"
            "Exit status: 0 the card answered ok, 1 the card said no (a result code other than\n"
            "ok, an error alternative) or the answer does not decode, 2 usage error.\n"
            "Examples:\n"
            "  euicc-sim es10 --reader 'euicc-sim 00 00' info2\n"
            "  euicc-sim es10 --card 89049032123451234512345678901235 enable 89999000000000000007 "
            "refresh\n"
            "  euicc-sim es10 --card EID delete 89999000000000000007 && echo deleted\n";
  cmd->footer(footer.str());
  cmd->callback([&global, o] { std::exit(run(global, *o)); });
}

}  // namespace euiccsim::tools
