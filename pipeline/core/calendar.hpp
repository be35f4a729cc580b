// The municipal calendar, once for every stage: due dates (decide), office-hours flags (ledger).
#pragma once
#include <vector>

#include "core/core.hpp"

namespace tsuchi {

// Business days from the municipality's holiday list; 12/29–1/3 and weekends are always closed.
class Calendar {
 public:
  Calendar() = default;
  explicit Calendar(std::vector<Date> holidays);
  // 年末年始: municipal offices are closed 12/29–1/3 by law (地方自治法 §4-2), whatever the holiday list says.
  static bool year_end_closure(const Date& d);
  bool is_holiday(const Date& d) const;  // on the municipality's list
  bool is_business_day(const Date& d) const;
  Date next_business_day_on_or_after(const Date& d) const;
  const std::vector<Date>& holidays() const { return holidays_; }
  // Whether the list has that year at all: at least one date in it (every Japanese year has 16 or more
  // national holidays, so a year with none was left out, and its holidays would pass as business days).
  bool covers_year(int year) const;

 private:
  std::vector<Date> holidays_;  // sorted
};

}  // namespace tsuchi
