// Rules across rows and files (SPEC §6): brackets against the schedules in force, one address per
// guardian, one fee per child and month.
#include <algorithm>
#include <unordered_map>

#include "ingest/ingest.hpp"

namespace tsuchi::ingest {
namespace {

bool period_known(const Case& c) { return c.period_start.year > 0 && c.period_end.year > 0; }

}  // namespace

Diagnostics check_consistency(const std::vector<Case>& cases, const std::string& cases_file, const FeeSchedules& fees,
                              const std::string& fees_file, const std::vector<std::string>& header) {
  Diagnostics out;
  auto column = [&](std::string_view name) {
    for (std::size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return static_cast<int>(i) + 1;
    return 0;
  };
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
    if (c.bracket.empty()) continue;  // already reported as missing
    for (const auto& s : fees.schedules) {
      const bool in_period = (&s == first) || (s.effective_from > c.period_start && s.effective_from <= c.period_end);
      if (in_period && !s.find(c.bracket))
        error(c, "bracket", c.bracket,
              "not in the schedule in force from " + s.effective_from.iso() + " (" + fees_file + " line " +
                  std::to_string(s.line) + ")");
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

}  // namespace tsuchi::ingest
