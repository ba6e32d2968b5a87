// euicc-sim card new|list|show|rm
#include <iostream>

#include "common.hpp"
#include "euiccsim/simulator/card_image.hpp"
#include "serve_status.hpp"

namespace euiccsim::tools {

namespace {
struct CardOptions {
  bool json = false;
  std::string eid;
  std::string eid_prefix = "8900";
  std::optional<std::uint64_t> seed;
  std::vector<std::string> profile_files;
  bool no_profile = false;
};
}  // namespace

void add_card_commands(CLI::App& app, GlobalOptions& global) {
  auto* card = app.add_subcommand("card", "Create, list, inspect and remove cards");
  card->require_subcommand(1);
  card->footer(
      "Cards live in the state directory (--state), one image file per card, named by EID.\n"
      "Example:\n  euicc-sim card new --seed 7\n  euicc-sim card list\n  euicc-sim card show "
      "<EID>");
  auto opts = std::make_shared<CardOptions>();

  auto* add = card->add_subcommand("new", "Create a new card and write its image");
  add->add_option("--eid", opts->eid, "EID to give the card (32 digits, valid check digits)");
  add->add_option("--eid-prefix", opts->eid_prefix,
                  "Digits a generated EID starts with (2 to 30, starting 89)")
      ->capture_default_str();
  add->add_option("--seed", opts->seed, "Make the generated EID repeatable");
  add->add_option("--profile", opts->profile_files,
                  "Install this profile package (DER; repeatable; the first is enabled) instead "
                  "of the built-in demo profile");
  add->add_flag("--no-profile", opts->no_profile, "A card with no profile installed");
  add->add_flag("--json", opts->json, "Print the new card as JSON");
  add->footer("Example:\n  euicc-sim card new --eid-prefix 89049032 --seed 1");
  add->callback([&global, opts] {
    sim::NewCard nc;
    if (!opts->eid.empty()) {
      if (auto why = Eid::why_invalid(opts->eid); !why.empty()) throw UsageError("--eid: " + why);
      nc.eid = Eid::parse(opts->eid);
    }
    nc.eid_prefix = opts->eid_prefix;
    if (nc.eid_prefix.size() < 2 || nc.eid_prefix.size() > 30 ||
        nc.eid_prefix.find_first_not_of("0123456789") != std::string::npos ||
        nc.eid_prefix.rfind("89", 0) != 0) {
      throw UsageError("--eid-prefix: must be 2 to 30 digits starting with 89");
    }
    if (opts->no_profile && !opts->profile_files.empty())
      throw UsageError("--profile and --no-profile exclude each other");
    for (const auto& f : opts->profile_files) nc.profiles.push_back(profile_from_file(f, nc.profiles));
    if (opts->profile_files.empty() && !opts->no_profile) nc.profiles.push_back(demo_profile());
    auto drbg =
        opts->seed ? crypto::Drbg::from_seed(*opts->seed, "identity") : crypto::Drbg::from_os();
    auto dir = global.state();
    auto state = dir.create(nc, drbg);
    if (opts->json) {
      std::cout << card_json(state, dir.image_path(state.eid.str())).dump(2) << '\n';
    } else {
      std::cout << "created card " << state.eid.str() << "\n  image "
                << dir.image_path(state.eid.str()).string() << '\n';
    }
  });

  auto* list = card->add_subcommand("list", "List the cards of the state directory");
  list->add_flag("--json", opts->json, "Print a JSON array");
  list->callback([&global, opts] {
    auto dir = global.state();
    auto out = json::Value::array();
    if (!opts->json && dir.list().empty()) {
      std::cout << "no cards in " << dir.path().string() << " (create one: euicc-sim card new)\n";
      return;
    }
    // Slots are known while `euicc-sim serve` runs on this directory.
    const auto served = read_serve_status(dir.path());
    for (const auto& eid : dir.list()) {
      try {
        auto s = dir.load(eid);
        auto slot = served.find(eid);
        if (opts->json) {
          auto j = card_json(s, dir.image_path(eid));
          if (slot != served.end()) {
            j.set("slot", slot->second.slot).set("endpoint", slot->second.endpoint);
          }
          out.push(std::move(j));
        } else {
          std::cout << eid << "  " << s.config.personality << "  ";
          if (slot != served.end()) {
            char reader[32];
            std::snprintf(reader, sizeof reader, "euicc-sim 00 %02u", slot->second.slot);
            std::cout << "slot " << slot->second.slot << " ('" << reader << "')  ";
          }
          std::cout << dir.image_path(eid).string() << '\n';
        }
      } catch (const sim::ImageError& e) {
        // A damaged image is listed, not hidden: the user needs to see it.
        if (opts->json) {
          out.push(json::Value::object().set("eid", eid).set("error", e.what()));
        } else {
          std::cout << eid << "  unreadable: " << e.what() << '\n';
        }
      }
    }
    if (opts->json) std::cout << out.dump(2) << '\n';
  });

  auto* show = card->add_subcommand("show", "Print a card's image as JSON");
  show->add_option("eid", opts->eid, "The card's EID (optional when there is only one card)");
  show->footer("Example:\n  euicc-sim card show 89001234567890123456789012345678");
  show->callback([&global, opts] {
    auto dir = global.state();
    auto eid = choose_card(dir, opts->eid);
    std::cout << card_json(dir.load(eid), dir.image_path(eid)).dump(2) << '\n';
  });

  auto* rm = card->add_subcommand("rm", "Remove a card and its image");
  rm->add_option("eid", opts->eid, "The card's EID")->required();
  rm->callback([&global, opts] {
    if (auto why = Eid::why_invalid(opts->eid); !why.empty()) throw UsageError(why);
    auto dir = global.state();
    dir.remove(opts->eid);
    std::cout << "removed card " << opts->eid << '\n';
  });
}

}  // namespace euiccsim::tools
