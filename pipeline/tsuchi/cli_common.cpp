#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "decide/decide.hpp"
#include "tsuchi/commands.hpp"
#include "typeset/typeset.hpp"

namespace tsuchi::cli {

void add_input_options(CLI::App& cmd, InputPaths& in) {
  cmd.add_option("--cases", in.cases, "cases.csv (UTF-8 or CP932)")->check(CLI::ExistingFile);
  cmd.add_option("--fees", in.fees, "fees.toml")->check(CLI::ExistingFile);
  cmd.add_option("--municipality", in.municipality, "municipality.toml")->check(CLI::ExistingFile);
  cmd.add_flag("--demo", in.demo, "use the sample data shipped in examples/");
  cmd.add_option("--encoding", in.encoding, "encoding of cases.csv")
      ->check(CLI::IsMember({"auto", "utf8", "cp932"}));
}

bool resolve_inputs(InputPaths& in, const std::string& command) {
  const std::string ex = data_dir() + "/examples/";
  if (in.demo) {
    if (in.cases.empty()) in.cases = ex + "cases.csv";
    if (in.fees.empty()) in.fees = ex + "fees.toml";
    if (in.municipality.empty()) in.municipality = ex + "municipality.toml";
  }
  bool ok = true;
  for (auto [flag, value] : {std::pair{"--cases", &in.cases}, {"--fees", &in.fees}, {"--municipality", &in.municipality}})
    if (value->empty()) {
      std::cerr << "tsuchi " << command << ": " << flag << " is required (or --demo)\n";
      ok = false;
    }
  return ok;
}

std::string data_dir() {
  if (const char* d = std::getenv("TSUCHI_DATA")) return d;
  return TSUCHI_DATA_DIR;
}

bool write_atomically(const std::string& path, std::string_view bytes) {
  const std::string tmp = path + ".partial";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f.write(bytes.data(), static_cast<std::streamsize>(bytes.size())) || !f.flush()) return false;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  return !ec;
}

void print_problems(const Diagnostics& ds) {
  for (const auto& d : ds) std::cerr << format(d) << "\n";
}

namespace {

// Decodes one UTF-8 sequence as U+XXXX text for messages (never the whole personal field).
std::string code_points(const std::u32string& s) {
  std::string out;
  char buf[16];
  for (char32_t c : s) {
    std::snprintf(buf, sizeof buf, "%sU+%04X", out.empty() ? "" : " ", static_cast<unsigned>(c));
    out += buf;
  }
  return out;
}

}  // namespace

Inputs load_and_validate(const InputPaths& in, const std::string& data) {
  Inputs r;
  auto enc = in.encoding == "utf8"    ? ingest::Encoding::utf8
             : in.encoding == "cp932" ? ingest::Encoding::cp932
                                      : ingest::Encoding::detect;
  auto cases = ingest::load_cases(in.cases, enc);
  auto fees = ingest::load_fees(in.fees);
  auto muni = ingest::load_municipality(in.municipality);
  for (auto* ps : {&cases.problems, &fees.problems, &muni.problems})
    r.problems.insert(r.problems.end(), ps->begin(), ps->end());
  r.cases = std::move(cases.value.cases);
  r.my_numbers = std::make_shared<const mynumber::Guard>(std::move(cases.value.my_numbers));
  r.fees = std::move(fees.value);
  r.municipality = std::move(muni.value);
  if (fees.ok()) {
    auto more = ingest::check_consistency(r.cases, in.cases, r.fees, in.fees, cases.value.header);
    r.problems.insert(r.problems.end(), more.begin(), more.end());
  }

  if (muni.ok()) {
    auto clashes = decide::reference_collisions(r.cases, r.municipality);
    for (auto& d : clashes) d.file = in.cases;
    r.problems.insert(r.problems.end(), clashes.begin(), clashes.end());
  }

  // Font coverage (SPEC §4): every printed text field must be drawable, IVS included.
  if (muni.ok()) {
    auto ts = typeset::Typesetter::create(data, r.municipality);
    r.problems.insert(r.problems.end(), ts.problems.begin(), ts.problems.end());
    if (ts.ok()) {
      // The printed columns of the Case schema (ingest::case_schema) are the ones fonts must cover.
      for (const auto& c : r.cases)
        for (const auto& f : ingest::case_schema()) {
          if (!f.printed) continue;
          for (const auto& m : ts.value->missing(c.*std::get<std::string ingest::Case::*>(f.member))) {
            Diagnostic d;
            d.file = in.cases;
            d.line = c.line;
            d.column = cases.value.column_of(f.name);
            d.column_name = f.name;
            d.value = code_points(m.sequence);
            bool warn = m.variation_only && r.municipality.allow_plain_ivs;
            d.severity = warn ? Diagnostic::Severity::warning : Diagnostic::Severity::error;
            d.reason = "case " + c.case_id + ": " +
                       (m.variation_only ? (warn ? "no configured font has this variation sequence; the plain glyph will be printed"
                                                 : "no configured font has this variation sequence (the plain glyph would be printed silently)")
                                         : "no configured font can draw this character");
            r.problems.push_back(std::move(d));
          }
        }
    }
  }
  return r;
}

}  // namespace tsuchi::cli
