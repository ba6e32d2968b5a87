#include "euiccsim/applets/card_state.hpp"

namespace euiccsim {

std::string Version::str() const {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(revision);
}

}  // namespace euiccsim
