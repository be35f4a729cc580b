#include "decide/decide.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "core/digest.hpp"

namespace tsuchi::decide {

namespace {

// Fee-schedule factors are decimals like 0.5 or 0.7; held as ten-thousandths so that the product
// with a yen amount is exact integer arithmetic (0.7 * 41000 must give 28700, not 28699.99…).
constexpr std::int64_t kFactorScale = 10000;

std::int64_t factor_e4(const tsuchi::Schedule& s, int child_order) {
  if (s.child_order_factor.empty()) return kFactorScale;
  const std::size_t n = s.child_order_factor.size();
  const std::size_t i = child_order < 1 ? 0 : std::min<std::size_t>(static_cast<std::size_t>(child_order), n) - 1;
  return std::llround(s.child_order_factor[i] * kFactorScale);
}

// 利用者負担額 of a type-3 child: the schedule amount, reduced for later children (多子軽減).
// Only a reduced amount is rounded down: the schedule's own amount is the decided fee as written.
Yen user_charge(Yen base, std::int64_t factor, Yen rounding) {
  if (factor == kFactorScale) return base;
  const Yen reduced = base * factor / kFactorScale;  // base >= 0, so integer division rounds down
  const Yen step = rounding > 0 ? rounding : 1;
  return reduced - reduced % step;
}

// 副食費 billed by the city. Since the 2019 free-care reform (幼保無償化) type 1/2 children's
// meal cost for side dishes is no longer inside the (now zero) user charge, so the facility
// bills it: the city only for its own (public) facilities, private facilities collect it
// themselves. A type-3 child's meals remain part of the user charge, so nothing extra is billed.
Yen side_dish(const ingest::Case& c, const tsuchi::Schedule& s) {
  if (c.certification_type != 1 && c.certification_type != 2) return 0;
  if (!c.facility_public || c.side_dish_exempt) return 0;
  return s.side_dish_monthly;
}

Diagnostic fee_problem(const ingest::Case& c, std::string column, std::string value, std::string reason) {
  Diagnostic d;
  d.file = "fees";
  d.line = c.line;
  d.column_name = std::move(column);
  d.value = std::move(value);
  d.reason = "case " + c.case_id + ": " + std::move(reason);
  return d;
}

// A problem of one month of one case, before runs of months are merged into one message.
struct MonthProblem {
  YearMonth from, to;
  std::string column, value, reason;
};

bool all_ascii_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
}

std::string zero_pad(std::uint64_t v, int width) {
  std::string s = std::to_string(v);
  if (static_cast<int>(s.size()) < width) s.insert(0, static_cast<std::size_t>(width) - s.size(), '0');
  return s;
}

// The case's part of the payment reference, `width` digits (13 without an agent sub-code).
std::string case_reference(const std::string& case_id, int width) {
  if (width <= 0) return {};
  if (all_ascii_digits(case_id) && static_cast<int>(case_id.size()) <= width)
    return std::string(static_cast<std::size_t>(width) - case_id.size(), '0') + case_id;
  // Non-numeric (or too long) ids: a deterministic digest, so reissues carry the same reference.
  const std::string h = digest::sha256(case_id);
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(h[static_cast<std::size_t>(i)]);
  v %= 10000000000000ULL;  // 13 decimal digits; 2^64 / 10^13 makes the bias negligible
  std::string r = zero_pad(v, 13);
  return r.substr(r.size() - static_cast<std::size_t>(std::min(width, 13)));
}

}  // namespace

Date due_date(const YearMonth& billed, const tsuchi::Municipality& m, const Calendar& cal) {
  YearMonth ym = billed;
  for (int i = 0; i < m.due_month_offset; ++i) ym = ym.next();
  return cal.next_business_day_on_or_after(last_day(ym));
}

// Not moved to a business day: convenience stores take payments every day of the year.
Date store_deadline(const Date& due, const tsuchi::Municipality& m) {
  const Date d = add_days(due, m.store_deadline_days);
  return d < due ? due : d;
}

// ---- Payment reference ----

std::string payment_reference(const tsuchi::Municipality& m, const std::string& case_id, const YearMonth& month) {
  // The agent sub-code opens the free field and shortens the case reference from the left.
  const int width = 13 - static_cast<int>(m.gs1_free_prefix.size());
  char ym[8];
  std::snprintf(ym, sizeof ym, "%04d%02d", month.year % 10000, month.month);
  return m.gs1_free_prefix + m.subject_code + case_reference(case_id, width) + ym;
}

Diagnostics reference_collisions(const std::vector<ingest::Case>& cases, const tsuchi::Municipality& m) {
  Diagnostics out;
  std::map<std::string, const ingest::Case*> seen;
  const YearMonth any{2000, 1};  // the month part cannot make two cases collide or differ
  for (const auto& c : cases) {
    auto [it, fresh] = seen.emplace(payment_reference(m, c.case_id, any), &c);
    if (fresh) continue;
    Diagnostic d;
    d.file = "cases";
    d.line = c.line;
    d.column_name = "case_id";
    d.value = c.case_id;
    d.reason = "gives the same payment reference as case " + it->second->case_id + " (line " +
               std::to_string(it->second->line) + "); use distinct numeric case ids";
    out.push_back(std::move(d));
  }
  return out;
}

namespace {

// Account transfer: the bank debits, so a slip would invite double payment.
std::vector<Slip> slips_for(const Decision& d, const tsuchi::Municipality& m, const Calendar& cal) {
  std::vector<Slip> slips;
  if (!d.c.cash_payment) return slips;
  for (const auto& f : d.months) {
    if (f.total() <= 0) continue;
    Slip s;
    s.case_id = d.c.case_id;
    s.guardian_atena_no = d.c.guardian_atena_no;
    s.month = f.month;
    s.fiscal_year = fiscal_year(f.month);
    s.amount = f.total();
    s.due_date = due_date(f.month, m, cal);
    s.store_deadline = store_deadline(s.due_date, m);
    s.payment_reference = payment_reference(m, d.c.case_id, f.month);
    slips.push_back(std::move(s));
  }
  return slips;
}

}  // namespace

// ---- Decisions ----

Checked<std::vector<Decision>> decide(const std::vector<ingest::Case>& cases, const tsuchi::FeeSchedules& fees,
                                      const tsuchi::Municipality& m, const Calendar& cal) {
  Checked<std::vector<Decision>> out;
  out.value.reserve(cases.size());
  for (const auto& c : cases) {
    Decision d;
    d.c = c;
    std::vector<MonthProblem> problems;
    auto report = [&](const YearMonth& ym, std::string column, std::string value, std::string reason) {
      problems.push_back({ym, ym, std::move(column), std::move(value), std::move(reason)});
    };
    for (YearMonth ym = c.period_start; ym <= c.period_end; ym = ym.next()) {
      const tsuchi::Schedule* s = fees.in_force(ym);
      if (!s) {
        report(ym, "month", "", "no fee schedule in force");
        continue;
      }
      const tsuchi::Bracket* b = s->find(c.bracket);
      if (!b) {
        report(ym, "bracket", c.bracket, "not in the schedule in force from " + s->effective_from.iso());
        continue;
      }
      MonthlyFee f;
      f.month = ym;
      f.bracket_label = b->label;
      if (c.certification_type == 3) {
        if (c.care_need == ingest::CareNeed::none) {
          report(ym, "care_need", "", "type 3 needs a care need (standard or short)");
          continue;
        }
        f.base = c.care_need == ingest::CareNeed::short_time ? b->short_time : b->standard;
        f.user_charge = user_charge(f.base, factor_e4(*s, c.child_order), s->rounding);
      }
      f.side_dish = side_dish(c, *s);
      d.months.push_back(std::move(f));
    }
    for (const auto& f : d.months) {
      if (!d.periods.empty() && d.periods.back().user_charge == f.user_charge &&
          d.periods.back().side_dish == f.side_dish && d.periods.back().to.next() == f.month) {
        d.periods.back().to = f.month;
      } else {
        d.periods.push_back(FeePeriod{f.month, f.month, f.user_charge, f.side_dish});
      }
    }
    // A case with a problem yields no decision: nothing half-decided reaches a notice.
    if (problems.empty()) {
      d.slips = slips_for(d, m, cal);
      out.value.push_back(std::move(d));
      continue;
    }
    // Consecutive months with the same problem become one line, so a long period reads as one error.
    std::vector<MonthProblem> runs;
    for (auto& p : problems) {
      if (!runs.empty() && runs.back().to.next() == p.from && runs.back().column == p.column &&
          runs.back().value == p.value && runs.back().reason == p.reason)
        runs.back().to = p.to;
      else
        runs.push_back(std::move(p));
    }
    for (const auto& r : runs) {
      const std::string when = r.from == r.to ? r.from.iso() : r.from.iso() + ".." + r.to.iso();
      if (r.column == "month")  // the months themselves are the offending value
        out.problems.push_back(fee_problem(c, r.column, when, r.reason));
      else
        out.problems.push_back(fee_problem(c, r.column, r.value, r.reason + " (needed for " + when + ")"));
    }
  }
  return out;
}

}  // namespace tsuchi::decide

namespace tsuchi::decide {

std::string masked_account(std::string_view account) {
  std::string digits;
  for (char ch : account)
    if (ch >= '0' && ch <= '9') digits += ch;
  if (digits.empty()) return "";
  const std::size_t keep = std::min<std::size_t>(3, digits.size());
  std::string out;
  for (std::size_t i = 0; i + keep < digits.size(); ++i) out += "＊";
  return out + digits.substr(digits.size() - keep);
}

int age_class(const Date& birth, int fiscal_year) {
  // 年齢計算ニ関スル法律: a child born on April 1 reaches each age on March 31, so the school
  // year of a birth starts on April 2.
  const bool before_april_2 = birth.month < 4 || (birth.month == 4 && birth.day < 2);
  const int birth_year = before_april_2 ? birth.year - 1 : birth.year;
  return fiscal_year - birth_year - 1;
}

}  // namespace tsuchi::decide
