#include "decide/decide.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>

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
// An exempt household (its flag, or a bracket fees.toml marks exempt) is never billed.
Yen side_dish(const ingest::Case& c, int type, const tsuchi::Schedule& s, const tsuchi::Bracket& b) {
  if (type != 1 && type != 2) return 0;
  if (!c.facility_public || c.side_dish_exempt || b.side_dish_exempt) return 0;
  return s.side_dish_monthly;
}

// What a month's fee depends on: the current columns, or the 変更前 ones (previous_*, each
// falling back to its current counterpart when not given).
struct Terms {
  std::string bracket;
  int type = 0;
  ingest::CareNeed need = ingest::CareNeed::none;
  int order = 1;
};
Terms current_terms(const ingest::Case& c) { return {c.bracket, c.certification_type, c.care_need, c.child_order}; }
bool has_previous(const ingest::Case& c) {
  return !c.previous_bracket.empty() || c.previous_certification_type != 0 ||
         c.previous_care_need != ingest::CareNeed::none || c.previous_child_order != 0;
}
Terms previous_terms(const ingest::Case& c) {
  Terms t = current_terms(c);
  if (!c.previous_bracket.empty()) t.bracket = c.previous_bracket;
  if (c.previous_certification_type != 0) t.type = c.previous_certification_type;
  if (c.previous_care_need != ingest::CareNeed::none) t.need = c.previous_care_need;
  if (c.previous_child_order != 0) t.order = c.previous_child_order;
  return t;
}

// One month under `t`: the fee, or why there is none (column, value, reason).
struct MonthResult {
  std::optional<MonthlyFee> fee;
  std::int64_t factor = kFactorScale;  // the child-order factor applied
  bool exempt_bracket = false;
  std::string column, value, reason;
};
MonthResult month_fee(const ingest::Case& c, const Terms& t, const YearMonth& ym, const tsuchi::FeeSchedules& fees) {
  MonthResult r;
  const tsuchi::Schedule* s = fees.in_force(ym);
  if (!s) {
    r.column = "month", r.reason = "no fee schedule in force";
    return r;
  }
  const tsuchi::Bracket* b = s->find(t.bracket);
  if (!b) {
    r.column = "bracket", r.value = t.bracket, r.reason = "not in the schedule in force from " + s->effective_from.iso();
    return r;
  }
  MonthlyFee f;
  f.month = ym;
  f.bracket_label = b->label;
  if (t.type == 3) {
    if (t.need == ingest::CareNeed::none) {
      r.column = "care_need", r.reason = "type 3 needs a care need (standard or short)";
      return r;
    }
    f.base = t.need == ingest::CareNeed::short_time ? b->short_time : b->standard;
    r.factor = factor_e4(*s, t.order);
    f.user_charge = user_charge(f.base, r.factor, s->rounding);
  }
  f.side_dish = side_dish(c, t.type, *s, *b);
  r.exempt_bracket = b->side_dish_exempt;
  r.fee = std::move(f);
  return r;
}

// Runs of months with the same amounts, never across April: a notice is headed by one 年度.
std::vector<FeePeriod> periods_of(const std::vector<MonthlyFee>& months) {
  std::vector<FeePeriod> out;
  for (const auto& f : months) {
    const int fy = fiscal_year(f.month);
    if (!out.empty() && out.back().user_charge == f.user_charge && out.back().side_dish == f.side_dish &&
        out.back().to.next() == f.month && out.back().fiscal_year == fy)
      out.back().to = f.month;
    else
      out.push_back(FeePeriod{f.month, f.month, f.user_charge, f.side_dish, fy});
  }
  return out;
}

// The ';'-separated values of an eL column (surrounding blanks dropped); empty text = none.
std::vector<std::string> el_values(std::string_view text) {
  std::vector<std::string> out;
  if (text.empty()) return out;
  for (std::size_t at = 0;;) {
    const std::size_t semi = text.find(';', at);
    std::string_view v = text.substr(at, semi == std::string_view::npos ? std::string_view::npos : semi - at);
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    out.emplace_back(v);
    if (semi == std::string_view::npos) return out;
    at = semi + 1;
  }
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
    s.user_charge = f.user_charge;
    s.side_dish = f.side_dish;
    slips.push_back(std::move(s));
  }
  // One value serves every slip; otherwise one per slip in month order (check_rules reports a mismatch).
  for (auto [column, member] : {std::pair{&ingest::Case::el_number, &Slip::el_number}, {&ingest::Case::el_qr, &Slip::el_qr}}) {
    const auto values = el_values(d.c.*column);
    if (values.size() == 1)
      for (auto& s : slips) s.*member = values.front();
    else if (values.size() == slips.size())
      for (std::size_t i = 0; i < slips.size(); ++i) slips[i].*member = values[i];
  }
  return slips;
}

// 口座振替: the configured day of the billed month (the due date when 0), on a business day.
std::vector<Transfer> transfers_for(const Decision& d, const tsuchi::Municipality& m, const Calendar& cal) {
  std::vector<Transfer> out;
  if (d.c.cash_payment) return out;
  for (const auto& f : d.months) {
    if (f.total() <= 0) continue;
    const Date day = m.transfer_day > 0
                         ? Date{f.month.year, f.month.month, std::min(m.transfer_day, days_in_month(f.month.year, f.month.month))}
                         : due_date(f.month, m, cal);
    out.push_back(Transfer{f.month, cal.next_business_day_on_or_after(day)});
  }
  return out;
}

// The facts the notice names: how 副食費 is handled and which reductions lowered the fee.
void describe(Decision& d, const std::vector<MonthResult>& results) {
  const auto& c = d.c;
  bool exempt_bracket = false;
  for (const auto& r : results) exempt_bracket = exempt_bracket || r.exempt_bracket;
  if (c.certification_type == 3) d.side_dish = SideDish::included;
  else if (c.side_dish_exempt || exempt_bracket) d.side_dish = SideDish::exempt;
  else if (!c.facility_public) d.side_dish = SideDish::facility;
  else d.side_dish = SideDish::billed;
  d.reductions.free_education = c.certification_type == 1 || c.certification_type == 2;
  d.reductions.child_order = c.child_order;
  for (const auto& r : results)
    if (r.fee && r.factor < kFactorScale && r.fee->user_charge < r.fee->base) {
      d.reductions.multi_child = true;
      d.reductions.factor = static_cast<double>(r.factor) / kFactorScale;
      break;
    }
  for (const auto& f : d.months)
    if (d.fiscal_years.empty() || d.fiscal_years.back() != fiscal_year(f.month)) d.fiscal_years.push_back(fiscal_year(f.month));
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
    const Terms terms = current_terms(c);
    std::vector<MonthResult> results;
    for (YearMonth ym = c.period_start; ym <= c.period_end; ym = ym.next()) {
      MonthResult r = month_fee(c, terms, ym, fees);
      if (r.fee) d.months.push_back(*r.fee);
      else report(ym, r.column, r.value, r.reason);
      results.push_back(std::move(r));
    }
    d.periods = periods_of(d.months);
    if (has_previous(c)) {
      const Terms before = previous_terms(c);
      std::vector<MonthlyFee> months;
      for (YearMonth ym = c.period_start; ym <= c.period_end; ym = ym.next()) {
        MonthResult r = month_fee(c, before, ym, fees);
        if (r.fee) months.push_back(*r.fee);
        else if (r.column == "bracket") report(ym, "previous_bracket", r.value, r.reason);
        else if (r.column == "care_need") report(ym, "previous_care_need", "", r.reason);
      }
      d.previous = periods_of(months);
    }
    // A case with a problem yields no decision: nothing half-decided reaches a notice.
    if (problems.empty()) {
      describe(d, results);
      d.slips = slips_for(d, m, cal);
      d.transfers = transfers_for(d, m, cal);
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


// ---- Rules that need the schedules ----

Diagnostics check_rules(const std::vector<ingest::Case>& cases, const std::string& cases_file,
                        const tsuchi::FeeSchedules& fees, const tsuchi::Municipality& m,
                        const std::vector<std::string>& header) {
  Diagnostics out;
  auto column = [&](std::string_view name) { return ingest::column_of(header, name); };
  auto problem = [&](Diagnostic::Severity severity, const ingest::Case& c, const char* name, std::string value,
                     std::string reason) {
    out.push_back(Diagnostic{severity, cases_file, c.line, column(name), name, std::move(value),
                             "case " + c.case_id + ": " + std::move(reason)});
  };
  auto level = [](tsuchi::RuleLevel l) {
    return l == tsuchi::RuleLevel::warning ? Diagnostic::Severity::warning : Diagnostic::Severity::error;
  };
  for (const auto& c : cases) {
    if (c.period_start.year == 0 || c.period_end < c.period_start) continue;  // reported by ingest
    // Age on April 1 decides the class (子ども・子育て支援法 19条: 3号 is under 3, 1号/2号 3 and over).
    if (c.child_birth_date.year > 0) {
      for (auto [name, type] : {std::pair{"certification_type", c.certification_type},
                                {"previous_certification_type", c.previous_certification_type}}) {
        if (type < 1 || type > 3) continue;
        for (int fy = fiscal_year(c.period_start); fy <= fiscal_year(c.period_end); ++fy) {
          const int cls = tsuchi::age_class(c.child_birth_date, fy);
          if (type == 3 ? cls <= 2 : cls >= 3) continue;
          const std::string when = "in " + std::to_string(fy) + "年度 (age on " + std::to_string(fy) +
                                   "-04-01) the child is in the " + std::to_string(cls) + "歳児クラス";
          problem(level(m.certification_age), c, name, std::to_string(type),
                  type == 3 ? "3号 is for the 0-2歳児クラス, but " + when + "; certify 1号 or 2号 for that 年度"
                            : std::to_string(type) + "号 starts at the 3歳児クラス, but " + when +
                                  "; certify 3号 for that 年度");
          break;
        }
      }
    }
    // An exempt bracket exempts the household; a 3号 child's 副食費 is inside 保育料 either way.
    if ((c.certification_type == 1 || c.certification_type == 2) && !c.side_dish_exempt) {
      for (YearMonth ym = c.period_start; ym <= c.period_end; ym = ym.next()) {
        const tsuchi::Schedule* s = fees.in_force(ym);
        const tsuchi::Bracket* b = s ? s->find(c.bracket) : nullptr;
        if (!b || !b->side_dish_exempt) continue;
        const auto severity = level(m.side_dish_bracket);
        problem(severity, c, "side_dish_exempt", "0",
                "bracket " + c.bracket + " is exempt from 副食費 in the fee schedule in force from " +
                    s->effective_from.iso() + (severity == Diagnostic::Severity::warning
                                                   ? "; the exemption applies (副食費 is not billed)"
                                                   : "; set side_dish_exempt to 1, or correct the bracket"));
        break;
      }
    }
    // eL values: one for every slip, or exactly one per slip in month order.
    const bool has_el = !c.el_number.empty() || !c.el_qr.empty();
    if (!has_el) continue;
    std::size_t slips = 0;
    bool decided = true;
    for (YearMonth ym = c.period_start; ym <= c.period_end && decided; ym = ym.next()) {
      const MonthResult r = month_fee(c, current_terms(c), ym, fees);
      decided = r.fee.has_value();
      if (decided && c.cash_payment && r.fee->total() > 0) ++slips;
    }
    if (!decided) continue;  // the fee problem is reported on its own
    for (auto [name, member] : {std::pair{"el_number", &ingest::Case::el_number}, {"el_qr", &ingest::Case::el_qr}}) {
      const std::size_t n = el_values(c.*member).size();
      if (n <= 1 || n == slips) continue;
      problem(Diagnostic::Severity::error, c, name, "",
              "has " + std::to_string(n) + " values separated by ';' but the case has " + std::to_string(slips) +
                  " slip(s); give one value, or one per slip in month order");
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

int age_class(const Date& birth, int fiscal_year) { return tsuchi::age_class(birth, fiscal_year); }

}  // namespace tsuchi::decide
