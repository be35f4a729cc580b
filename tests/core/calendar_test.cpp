// The municipal calendar. Weekdays of the dates below are taken from a printed 2025/2026 calendar.
#include <doctest/doctest.h>

#include "core/calendar.hpp"

using namespace tsuchi;

TEST_CASE("business days: weekends, the holiday list and 12/29-1/3 are closed") {
  // 敬老の日 2025-09-15 (Monday), as the example municipality.toml lists it.
  const Calendar cal({Date{2025, 9, 15}});
  struct Row {
    Date day;
    bool open;
    const char* why;
  };
  const Row rows[] = {
      {{2025, 9, 12}, true, "Friday"},
      {{2025, 9, 13}, false, "Saturday"},
      {{2025, 9, 14}, false, "Sunday"},
      {{2025, 9, 15}, false, "holiday on the list"},
      {{2025, 9, 16}, true, "Tuesday"},
      {{2025, 12, 26}, true, "Friday"},
      {{2025, 12, 29}, false, "Monday, year-end closure"},
      {{2025, 12, 31}, false, "Wednesday, year-end closure"},
      {{2026, 1, 2}, false, "Friday, year-end closure"},
      {{2026, 1, 5}, true, "Monday after the closure"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.why);
    CHECK(cal.is_business_day(r.day) == r.open);
  }
  CHECK(Calendar::year_end_closure(Date{2025, 12, 29}));
  CHECK(Calendar::year_end_closure(Date{2026, 1, 3}));
  CHECK_FALSE(Calendar::year_end_closure(Date{2025, 12, 28}));
  CHECK_FALSE(Calendar::year_end_closure(Date{2026, 1, 4}));
  CHECK(cal.is_holiday(Date{2025, 9, 15}));
  CHECK_FALSE(cal.is_holiday(Date{2025, 12, 30}));  // closed, but not on the list
}

TEST_CASE("the next business day skips the year-end closure and the weekend after it") {
  const Calendar cal;
  CHECK(cal.next_business_day_on_or_after(Date{2025, 12, 27}) == Date{2026, 1, 5});
  CHECK(cal.next_business_day_on_or_after(Date{2025, 9, 16}) == Date{2025, 9, 16});
  // The holiday list is sorted on construction, whatever its order.
  const Calendar unsorted({Date{2025, 11, 24}, Date{2025, 11, 3}});
  CHECK(unsorted.next_business_day_on_or_after(Date{2025, 11, 22}) == Date{2025, 11, 25});
}

TEST_CASE("a holiday list covers a year when it lists at least one date in it") {
  // 2026-01-01 元日 and 2027-11-23 勤労感謝の日, from the Cabinet Office list (内閣府「国民の祝日について」).
  const Calendar cal({Date{2027, 11, 23}, Date{2026, 1, 1}});
  struct Row { int year; bool covered; };
  const Row rows[] = {{2025, false}, {2026, true}, {2027, true}, {2028, false}};
  for (const auto& r : rows) {
    CAPTURE(r.year);
    CHECK(cal.covers_year(r.year) == r.covered);
  }
  CHECK_FALSE(Calendar().covers_year(2026));
}
