#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <SQLiteCpp/Statement.h>

#include "common/clock.hpp"
#include "store/records.hpp"

namespace swarmbot::store::detail {

inline std::optional<Clock::TimePoint> OptionalTime(const SQLite::Column& column) {
  if (column.isNull()) {
    return std::nullopt;
  }
  return FromMillis(column.getInt64());
}

inline Clock::TimePoint Time(const SQLite::Column& column) {
  return FromMillis(column.getInt64());
}

inline std::optional<std::int64_t> OptionalInt64(const SQLite::Column& column) {
  if (column.isNull()) {
    return std::nullopt;
  }
  return column.getInt64();
}

inline void BindOptionalTime(SQLite::Statement& statement, int index,
                             const std::optional<Clock::TimePoint>& t) {
  if (t) {
    statement.bind(index, ToMillis(*t));
  } else {
    statement.bind(index);
  }
}

}  // namespace swarmbot::store::detail
