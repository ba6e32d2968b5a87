// Record addressing shared by READ RECORD, UPDATE RECORD and SEARCH RECORD (ETSI TS 102 221
// §11.1.5-11.1.7): the record pointer of the channel's current EF and the four modes.
#pragma once

#include "naa.hpp"

namespace euiccsim::applets::naa {

enum class RecordMode : std::uint8_t { kNext = 2, kPrevious = 3, kAbsolute = 4 };

// The record `mode` and P1 designate in an EF of `count` records, or nothing (6A83). NEXT and
// PREVIOUS move `pointer` (§11.1.5: at the end of a linear fixed EF they do not, and read
// nothing; a cyclic EF wraps); ABSOLUTE with P1 = 0 is the current record and leaves it.
inline std::optional<std::size_t> designated_record(RecordMode mode, std::uint8_t p1,
                                                    std::size_t count, bool cyclic,
                                                    std::uint16_t& pointer) {
  switch (mode) {
    case RecordMode::kAbsolute: {
      const std::size_t r = p1 == 0 ? pointer : p1;
      if (r == 0 || r > count) return std::nullopt;
      return r;
    }
    case RecordMode::kNext: {
      std::size_t r = pointer == 0 ? 1 : pointer + 1;
      if (r > count) {
        if (!cyclic || count == 0) return std::nullopt;
        r = 1;
      }
      pointer = static_cast<std::uint16_t>(r);
      return r;
    }
    case RecordMode::kPrevious: {
      std::size_t r = pointer == 0 ? count : pointer - 1;
      if (r == 0) {
        if (!cyclic || count == 0) return std::nullopt;
        r = count;
      }
      pointer = static_cast<std::uint16_t>(r);
      return r;
    }
  }
  return std::nullopt;
}

}  // namespace euiccsim::applets::naa
