// Reading and validating the inputs of a production (SPEC §6), font coverage included (SPEC §4).
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/utf8.hpp"
#include "produce/internal.hpp"

namespace tsuchi::produce {

namespace {

// Every printed text field must be drawable, IVS included.
Diagnostics font_coverage(const Inputs& in, const ingest::CasesFile& file, const std::string& cases_path,
                          const typeset::Typesetter& ts, const progress::Scope& checking) {
  Diagnostics out;
  // The printed columns of the Case schema are the ones the fonts must cover.
  for (const auto& c : in.cases) {
    for (const auto& f : ingest::case_schema()) {
      if (!f.printed) continue;
      for (const auto& m : ts.missing(c.*std::get<std::string ingest::Case::*>(f.member))) {
        if (!m.sequence.empty() && ingest::is_private_use(m.sequence[0])) continue;  // reported as 外字 by ingest
        Diagnostic d;
        d.file = cases_path;
        d.line = c.line;
        d.column = file.column_of(f.name);
        d.column_name = f.name;
        d.value = utf8::label(m.sequence);
        const bool warn = m.variation_only && in.municipality.allow_plain_ivs;
        d.severity = warn ? Diagnostic::Severity::warning : Diagnostic::Severity::error;
        d.reason = "case " + c.case_id + ": " +
                   (m.variation_only ? (warn ? "no configured font has this variation sequence; the plain glyph will be printed"
                                             : "no configured font has this variation sequence (the plain glyph would be printed silently)")
                                     : "no configured font can draw this character");
        out.push_back(std::move(d));
      }
    }
    checking.advance(1);
  }
  return out;
}

}  // namespace

Inputs load(const InputFiles& files, const std::string& data_dir, progress::Sink* progress) {
  Inputs r;
  auto cases = ingest::load_cases(files.cases, files.encoding, progress);
  auto fees = tsuchi::load_fees(files.fees);
  auto muni = files.municipality_text ? tsuchi::parse_municipality(*files.municipality_text, files.municipality)
                                     : tsuchi::load_municipality(files.municipality);
  for (auto* ps : {&cases.problems, &fees.problems, &muni.problems})
    r.problems.insert(r.problems.end(), ps->begin(), ps->end());
  r.cases = std::move(cases.value.cases);
  r.my_numbers = std::move(cases.value.my_numbers);
  r.fees = std::move(fees.value);
  r.municipality = std::move(muni.value);
  // The rules across rows and files check every case at once (two fifths of the time on 10,000
  // cases), then the fonts check them one at a time.
  progress::Scope checking(progress, {"checking the cases", "checked", "cases",
                                      static_cast<std::int64_t>(r.cases.size()), false, 0.4});
  // 外字 first, so every later check (and the fonts) sees the standard characters.
  if (muni.ok()) {
    auto gaiji = r.municipality.gaiji_map.empty() ? Checked<ingest::GaijiMap>{}
                                                  : ingest::load_gaiji_map(r.municipality.gaiji_map, r.municipality.gaiji_map_sha256);
    auto unmapped = ingest::apply_gaiji(r.cases, gaiji.value, files.cases, cases.value.header);
    for (auto* ps : {&gaiji.problems, &unmapped}) r.problems.insert(r.problems.end(), ps->begin(), ps->end());
  }
  if (fees.ok()) {
    auto more = ingest::check_consistency(r.cases, files.cases, r.fees, files.fees, cases.value.header);
    r.problems.insert(r.problems.end(), more.begin(), more.end());
  }
  if (!muni.ok()) return r;
  if (fees.ok()) {
    auto rules = decide::check_rules(r.cases, files.cases, r.fees, r.municipality, cases.value.header);
    r.problems.insert(r.problems.end(), rules.begin(), rules.end());
  }
  auto years = ingest::check_holiday_years(r.cases, r.municipality, files.municipality);
  r.problems.insert(r.problems.end(), years.begin(), years.end());
  auto clashes = decide::reference_collisions(r.cases, r.municipality);
  for (auto& d : clashes) d.file = files.cases;
  r.problems.insert(r.problems.end(), clashes.begin(), clashes.end());
  checking.halfway(static_cast<std::int64_t>(r.cases.size()));
  auto ts = typeset::Typesetter::create(data_dir, r.municipality);
  r.problems.insert(r.problems.end(), ts.problems.begin(), ts.problems.end());
  if (ts.ok()) {
    auto missing = font_coverage(r, cases.value, files.cases, *ts.value, checking);
    r.problems.insert(r.problems.end(), missing.begin(), missing.end());
  }
  return r;
}

std::string to_json(const Inputs& in) {
  nlohmann::json j;
  j["ok"] = !has_errors(in.problems);
  j["cases"] = in.cases.size();
  j["problems"] = nlohmann::json::array();
  for (const auto& d : in.problems)
    j["problems"].push_back({{"severity", d.severity == Diagnostic::Severity::error ? "error" : "warning"},
                             {"file", d.file},
                             {"line", d.line},
                             {"column", d.column},
                             {"column_name", d.column_name},
                             {"value", mynumber::mask(d.value)},
                             {"reason", mynumber::mask(d.reason)}});
  return j.dump(2) + "\n";
}

}  // namespace tsuchi::produce
