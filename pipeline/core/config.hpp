// The configuration model shared by every stage: fees.toml and municipality.toml (SPEC §3), read
// once here for ingest, ledger and report (one model of office hours, holidays and roles).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "core/core.hpp"
#include "core/csv.hpp"

namespace tsuchi {

struct Bracket {
  std::string code;
  std::string label;
  Yen standard = 0;    // type-3 monthly user charge, 保育標準時間
  Yen short_time = 0;  // 保育短時間
  bool side_dish_exempt = false;  // every household of this bracket is exempt from 副食費 (fees.toml)
};

struct Schedule {
  YearMonth effective_from;
  int line = 0;                         // line of its [[schedule]] in fees.toml (for messages)
  Yen rounding = 10;                    // reduced amounts round down to a multiple of this
  std::vector<double> child_order_factor{1.0};  // 1st, 2nd, 3rd-and-later; the last repeats
  Yen side_dish_monthly = 0;            // 副食費
  std::vector<Bracket> brackets;
  const Bracket* find(const std::string& code) const;
};

struct FeeSchedules {
  std::vector<Schedule> schedules;  // sorted by effective_from
  // The schedule in force in `month`, or nullptr if the month precedes every schedule.
  const Schedule* in_force(const YearMonth& month) const;
};

struct Contact {
  std::string department;  // 担当課
  std::string section;     // 係
  std::string address;
  std::string phone;
  std::string extension;   // 内線
  std::string hours;       // 受付時間, free text
};

struct OfficeHours {
  bool configured = false;         // municipality.toml has [office_hours]; without it nothing is flagged
  int start_minute = 8 * 60 + 30;  // minutes after midnight, local time
  int end_minute = 17 * 60 + 15;
  std::vector<int> weekdays{1, 2, 3, 4, 5};  // 0 = Sunday
  int utc_offset_minutes = 9 * 60;           // utc_offset, JST by default
};

// How a rule that a case can contradict is reported: an error stops the run, a warning is listed
// on the review sheet ([validation] in municipality.toml).
enum class RuleLevel { error, warning };

// What one envelope may hold so it posts as 定形 (長形3号) and the folding inserter takes it ([mailing]:
// paper_grams, envelope_grams, max_grams, max_sheets, oversize).
struct Mailing {
  double paper_g = 4.0;     // one A4 sheet: 64 g/m2 x 0.0624 m2
  double envelope_g = 6.0;  // the empty window envelope
  double max_g = 50.0;      // 定形郵便 limit
  int max_sheets = 8;       // sheets the folding inserter takes
  // Beyond either limit: split into numbered envelopes (1/2, 2/2) filled in order, split only
  // between billed months (期別 bundles), or refuse the run.
  enum class Oversize { split, by_month, refuse } oversize = Oversize::split;
  // Estimated grams of an envelope of `sheets` sheets.
  double grams(int sheets) const { return envelope_g + paper_g * sheets; }
};

struct Roles {
  std::vector<std::string> staff, approver, supervisor;
};

struct Municipality {
  std::string file;          // path it was read from; relative paths below resolve against its folder
  std::string city_name;     // 熊谷市
  std::string mayor_title;   // 熊谷市長
  std::string mayor_name;    // optional
  std::string seal_image;    // absolute path to the PNG of the official seal (公印)
  std::string appeal_text;   // 教示, paragraphs separated by blank lines
  std::string subject_name = "保育料";  // 科目
  std::string subject_code = "01";      // 2 digits, opens the payment reference
  Contact contact;
  // Convenience-store collection (SPEC §5, barcodes.md §1).
  std::string gs1_issuer_code;          // 6 digits (company prefix without the leading 4)
  std::string gs1_free_prefix;          // collection agent sub-code, may be empty
  Yen store_ceiling = 300000;
  int store_deadline_days = 0;          // store deadline = due date + this many days (0 = same day)
  // Due date (納期限): the last day of `due_month_offset` months after the billed month,
  // moved to the next business day.
  int due_month_offset = 0;
  std::vector<Date> holidays;           // national holidays; 12/29–1/3 are always closed
  bool allow_plain_ivs = false;         // plain glyph allowed where no font has the IVS (warning)
  int batch_size = 500;
  OfficeHours office_hours;
  Roles roles;
  std::string signing_key;              // path to the city's Ed25519 secret key
  std::string signing_public_key;
  std::string contractor_public_key;    // path; empty = no sealed key file
  int certificate_due_days = 30;
  Mailing mailing;
  int printer_dpi = 600;              // [printer] dpi: the contractor's engine; bar modules are whole dots
  double gs1_module_mm = 0;           // [printer] gs1_module_mm; 0 = from printer_dpi (0.169 mm at 300/600 dpi)
  std::string slip_layout = "slip";   // [slip] layout: layouts/<name>.toml
  int transfer_day = 0;               // [collection] transfer_day: 口座振替日 in the billed month; 0 = the due date
  RuleLevel certification_age = RuleLevel::error;  // [validation]: certification vs the child's age class
  RuleLevel side_dish_bracket = RuleLevel::error;  // [validation]: side_dish_exempt vs an exempt bracket
  std::string gaiji_map;              // absolute path of the 外字 map (PUA -> UCS), empty = none
  std::string gaiji_map_sha256;       // the map's SHA-256: pinned with this file, so the map cannot change alone
  csv::Format csv;                    // [csv] encoding, excel_text: how every CSV tsuchi writes is written
};

Checked<FeeSchedules> load_fees(const std::string& path);
Checked<Municipality> load_municipality(const std::string& path);
// Same, from text already in memory; `path` names the file in messages (and, for the
// municipality, is the file whose folder relative paths resolve against).
Checked<FeeSchedules> parse_fees(std::string_view toml, const std::string& path);
Checked<Municipality> parse_municipality(std::string_view toml, const std::string& path);

}  // namespace tsuchi
