#include "core/calendar.hpp"

#include <algorithm>

namespace tsuchi {

Calendar::Calendar(std::vector<Date> holidays) : holidays_(std::move(holidays)) {
  std::sort(holidays_.begin(), holidays_.end());
}

bool Calendar::year_end_closure(const Date& d) { return (d.month == 12 && d.day >= 29) || (d.month == 1 && d.day <= 3); }

bool Calendar::is_holiday(const Date& d) const { return std::binary_search(holidays_.begin(), holidays_.end(), d); }

bool Calendar::is_business_day(const Date& d) const {
  const int wd = weekday(d);
  return wd != 0 && wd != 6 && !year_end_closure(d) && !is_holiday(d);
}

bool Calendar::covers_year(int year) const {
  auto it = std::lower_bound(holidays_.begin(), holidays_.end(), Date{year, 1, 1});
  return it != holidays_.end() && it->year == year;
}

Date Calendar::next_business_day_on_or_after(const Date& d) const {
  Date x = d;
  while (!is_business_day(x)) x = add_days(x, 1);
  return x;
}

}  // namespace tsuchi
