#include <cstring>
#include <limits>
#include <map>
#include <utility>

#include "asn1_names.hpp"

namespace euiccsim::scenario {

namespace {
const std::map<std::pair<std::string, long>, const char*>& index() {
  static const auto m = [] {
    std::map<std::pair<std::string, long>, const char*> out;
    for (const auto& n : asn1_named_numbers())
      out.emplace(std::make_pair(std::string(n.key), n.value), n.name);
    return out;
  }();
  return m;
}
}  // namespace

const char* asn1_number_name(const std::string& key, long value) {
  if (key.empty()) return nullptr;
  auto it = index().find({key, value});
  return it == index().end() ? nullptr : it->second;
}

bool asn1_has_named_numbers(const std::string& key) {
  auto it = index().lower_bound({key, std::numeric_limits<long>::min()});
  return it != index().end() && it->first.first == key;
}

}  // namespace euiccsim::scenario
