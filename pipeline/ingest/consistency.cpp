// Rules across rows and files (SPEC §6): brackets against the schedules in force, one address per
// guardian, one fee per child and month.
#include <algorithm>
#include <map>
#include <unordered_map>

#include "core/calendar.hpp"
#include "ingest/ingest.hpp"

namespace tsuchi::ingest {
namespace {

bool period_known(const Case& c) { return c.period_start.year > 0 && c.period_end.year > 0; }

}  // namespace

Diagnostics check_consistency(const std::vector<Case>& cases, const std::string& cases_file, const FeeSchedules& fees,
                              const std::string& fees_file, const std::vector<std::string>& header) {
  Diagnostics out;
  auto column = [&](std::string_view name) { return column_of(header, name); };
  auto error = [&](const Case& c, const char* name, std::string value, std::string reason) {
    out.push_back(Diagnostic{Diagnostic::Severity::error, cases_file, c.line, column(name), name, std::move(value),
                             std::move(reason)});
  };

  // Brackets: every schedule in force during the period must know the case's bracket.
  for (const auto& c : cases) {
    if (!period_known(c)) continue;
    const Schedule* first = fees.in_force(c.period_start);
    if (!first) {
      std::string reason = "the period starts before any fee schedule";
      if (!fees.schedules.empty())
        reason += " (the first is in force from " + fees.schedules.front().effective_from.iso() + " in " + fees_file + ")";
      error(c, "period_start", c.period_start.iso(), std::move(reason));
    }
    // 変更前 is computed with the same schedules for the same months, so its bracket must exist there too.
    for (auto [name, code] : {std::pair{"bracket", &c.bracket}, {"previous_bracket", &c.previous_bracket}}) {
      if (code->empty()) continue;  // a missing bracket is already reported; previous_bracket is optional
      for (const auto& s : fees.schedules) {
        const bool in_period = (&s == first) || (s.effective_from > c.period_start && s.effective_from <= c.period_end);
        if (in_period && !s.find(*code))
          error(c, name, *code,
                "not in the schedule in force from " + s.effective_from.iso() + " (" + fees_file + " line " +
                    std::to_string(s.line) + ")");
      }
    }
  }

  // One envelope per guardian, so the rows of one guardian must agree on where and to whom it goes.
  struct Compared { const char* name; std::string Case::*field; };
  const Compared compared[] = {{"guardian_name", &Case::guardian_name},
                               {"postal_code", &Case::postal_code},
                               {"address", &Case::address},
                               {"address_building", &Case::address_building}};
  std::unordered_map<std::string, const Case*> first_of_guardian;
  for (const auto& c : cases) {
    if (c.guardian_atena_no.empty()) continue;
    auto [it, fresh] = first_of_guardian.emplace(c.guardian_atena_no, &c);
    if (fresh) continue;
    const Case& first = *it->second;
    for (const auto& f : compared) {
      const auto& a = first.*f.field;
      const auto& b = c.*f.field;
      // An empty required value was reported on its own row; address_building may legitimately be empty.
      const bool optional = f.field == &Case::address_building;
      if (a == b || (!optional && (a.empty() || b.empty()))) continue;
      error(c, f.name, "",
            "differs from line " + std::to_string(first.line) + ", which has the same guardian_atena_no " +
                c.guardian_atena_no + " (one guardian gets one envelope)");
    }
  }

  // A child may appear on several rows only for months that do not overlap.
  std::unordered_map<std::string, std::vector<const Case*>> rows_of_child;
  for (const auto& c : cases) {
    if (c.child_atena_no.empty() || !period_known(c)) continue;
    auto& earlier = rows_of_child[c.child_atena_no];
    for (const Case* e : earlier) {
      if (c.period_start <= e->period_end && e->period_start <= c.period_end) {
        error(c, "child_atena_no", c.child_atena_no,
              "the period " + c.period_start.iso() + " to " + c.period_end.iso() + " overlaps " +
                  e->period_start.iso() + " to " + e->period_end.iso() + " of the same child on line " +
                  std::to_string(e->line));
        break;
      }
    }
    earlier.push_back(&c);
  }
  return out;
}

std::optional<MonthRange> billed_months(const std::vector<Case>& cases) {
  std::optional<MonthRange> r;
  for (const auto& c : cases) {
    if (!period_known(c)) continue;
    if (!r) r = MonthRange{c.period_start, c.period_end};
    r->first = std::min(r->first, c.period_start);
    r->last = std::max(r->last, c.period_end);
  }
  return r;
}

std::string month_outside(const std::vector<Case>& cases, const YearMonth& month, const std::string& option) {
  const auto r = billed_months(cases);
  if (!r) return option + " " + month.iso() + ": the cases bill no month";
  if (month < r->first || month > r->last)
    return option + " " + month.iso() + " is outside the months the cases bill (" + r->first.iso() + " to " +
           r->last.iso() + ")";
  return {};
}

Diagnostics check_holiday_years(const std::vector<Case>& cases, const Municipality& m,
                                const std::string& municipality_file) {
  const Calendar cal(m.holidays);
  struct Missing {
    int slips = 0;
    const Case* first = nullptr;
    YearMonth billed;
  };
  std::map<int, Missing> missing;  // by year, so each year is reported once
  std::map<YearMonth, std::vector<int>> uncovered_of;  // billed month -> years its due date needs
  for (const auto& c : cases) {
    if (!c.cash_payment || !period_known(c) || c.period_end < c.period_start) continue;
    for (YearMonth ym = c.period_start; ym <= c.period_end; ym = ym.next()) {
      auto [it, fresh] = uncovered_of.try_emplace(ym);
      if (fresh) {
        // The due date is searched from the last day of the due month and may cross into the next year.
        YearMonth due_month = ym;
        for (int i = 0; i < m.due_month_offset; ++i) due_month = due_month.next();
        const Date due = cal.next_business_day_on_or_after(last_day(due_month));
        for (int year : {due_month.year, due.year})
          if (!cal.covers_year(year) && (it->second.empty() || it->second.back() != year)) it->second.push_back(year);
      }
      for (int year : it->second) {
        auto& miss = missing[year];
        if (miss.slips++ == 0) miss.first = &c, miss.billed = ym;
      }
    }
  }
  Diagnostics out;
  for (const auto& [year, miss] : missing)
    out.push_back(Diagnostic{Diagnostic::Severity::error, municipality_file, 0, 0, "holidays.dates",
                             std::to_string(year),
                             "no holiday listed in " + std::to_string(year) + ", where the due dates of " +
                                 std::to_string(miss.slips) + " month(s) of cash payment fall (the first: case " +
                                 miss.first->case_id + ", billed " + miss.billed.iso() +
                                 "); list that year's national holidays (Cabinet Office list), or its holidays "
                                 "would count as business days"});
  return out;
}

}  // namespace tsuchi::ingest
