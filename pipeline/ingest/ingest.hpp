// Ingest: the three input files (SPEC §3) read into plain values, with every problem (SPEC §6)
// reported at once. Font coverage is checked by typeset; the command merges both lists.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/config.hpp"
#include "core/core.hpp"
#include "core/csv.hpp"
#include "core/mynumber.hpp"
#include "core/progress.hpp"

namespace tsuchi::ingest {

enum class CareNeed { none, standard, short_time };  // 保育標準時間 / 保育短時間
enum class NoticeKind { decision, change };           // 決定 / 変更
using Encoding = csv::Encoding;

// One row of cases.csv. my_number never lands here: it is kept only as a keyed digest (CasesFile::my_numbers).
struct Case {
  int line = 0;  // physical line in cases.csv where the record starts (for messages)
  std::string case_id;           // 認定番号
  std::string child_atena_no;    // 宛名番号 (child)
  std::string child_name;        // exact code points as given, UTF-8, never normalised
  Date child_birth_date;
  std::string guardian_atena_no; // payer; one envelope per guardian
  std::string guardian_name;
  std::string postal_code;       // 7 digits, hyphen removed
  std::string address;           // 住所
  std::string address_building;  // 方書, may be empty
  std::string household_no;      // 世帯番号
  int certification_type = 0;    // 1, 2, 3 (1号/2号/3号認定)
  CareNeed care_need = CareNeed::none;
  std::string facility_name;
  bool facility_public = false;
  std::string bracket;           // 階層区分 code
  int child_order = 1;           // 多子軽減 place, 1-based
  bool side_dish_exempt = false;
  bool cash_payment = false;     // 現金払い: slips; otherwise account transfer
  NoticeKind notice_kind = NoticeKind::decision;
  Date decision_date;
  YearMonth period_start, period_end;  // inclusive
  std::string reason;            // change reason, optional
  // Optional columns (output_spec/inputs.md). 変更前 of a change notice: 0 / none / empty = not given.
  std::string previous_bracket;
  int previous_certification_type = 0;
  CareNeed previous_care_need = CareNeed::none;
  int previous_child_order = 0;
  std::string transfer_bank;     // 口座振替: bank and branch as printed
  std::string transfer_account;  // account number; only its masked form is printed (decide::masked_account)
  std::string el_number;         // eL番号 issued by the city's collection system; one, or one per slip (;)
  std::string el_qr;             // eL-QR payload, as issued; one, or one per slip (;)
  bool operator==(const Case&) const = default;
};

// The Case schema, declared once: it drives parsing, the printed-text checks, font coverage and packing.
struct CaseField {
  const char* name;  // the cases.csv column
  bool required;     // must be in the header
  bool personal;     // its text never appears in a message (only a code point, or nothing)
  bool printed;      // free text printed on paper: no control characters, the fonts must cover it
  bool exact;        // kept exactly as given, surrounding spaces included (names)
  // The member it fills; monostate for my_number, which is never stored.
  std::variant<std::monostate, std::string Case::*, Date Case::*, YearMonth Case::*, int Case::*, bool Case::*,
               CareNeed Case::*, NoticeKind Case::*>
      member;
};
const std::vector<CaseField>& case_schema();

// A compact, self-delimiting serialisation of a Case (every schema field and the line), for keeping
// a run's cases in memory; unpack(pack(c)) == c. Not a file format: same build only.
std::string pack(const Case& c);
Case unpack(std::string_view packed);

struct CasesFile {
  std::vector<Case> cases;
  // Every 12-digit value of the my_number column, as keyed digests: the leak scans' exact matches.
  mynumber::Guard my_numbers;
  std::vector<std::string> header;  // as read, for messages about a field from later stages
  int column_of(std::string_view name) const;  // 1-based, 0 when absent
};
// The 1-based position of `name` in a cases.csv header, 0 when absent (messages of later checks).
int column_of(const std::vector<std::string>& header, std::string_view name);

// Reads cases.csv. Detects UTF-8 (BOM optional) vs CP932 unless told. Every problem is listed.
// Rows with the right number of fields are kept in `cases` even when a field is bad (that field
// keeps its default), so later checks can still report on the rest; only error-free inputs are usable.
// `progress` (may be null) is told the stage "reading cases.csv", counted in rows.
Checked<CasesFile> load_cases(const std::string& path, Encoding enc = Encoding::detect,
                              progress::Sink* progress = nullptr);
// Same, from bytes already in memory (`name` is used in messages).
Checked<CasesFile> parse_cases(std::string_view bytes, const std::string& name, Encoding enc = Encoding::detect,
                               progress::Sink* progress = nullptr);

// 外字: the city's private-use code points and the standard character (with an optional IVS) each
// stands for, from the CSV that municipality.toml gaiji_map names (output_spec/inputs.md §5).
struct GaijiMap {
  std::string file;                        // for messages
  std::map<char32_t, std::u32string> to;   // PUA code point -> UCS (+ IVS)
};
// U+E000..U+F8FF and the supplementary private use planes 15 and 16.
bool is_private_use(char32_t c);
// `sha256` (hex) is the digest municipality.toml pins; a map with another digest is refused.
Checked<GaijiMap> load_gaiji_map(const std::string& path, const std::string& sha256);
Checked<GaijiMap> parse_gaiji_map(std::string_view bytes, const std::string& name);
// Replaces every private-use code point of every printed field by its mapping. One left unmapped is
// an error naming file, line, column and the code point (never the text). An empty map maps nothing.
Diagnostics apply_gaiji(std::vector<Case>& cases, const GaijiMap& map, const std::string& cases_file,
                        const std::vector<std::string>& header = {});

// Rules across files and rows (SPEC §6): unknown brackets, a month with no schedule in force,
// one guardian with two addresses, care need required for type 2/3, and so on.
// Pass CasesFile::header so messages carry column numbers (without it they carry only the name).
Diagnostics check_consistency(const std::vector<Case>& cases, const std::string& cases_file,
                              const FeeSchedules& fees, const std::string& fees_file,
                              const std::vector<std::string>& header = {});

// The months the cases bill or notice: the earliest period_start to the latest period_end.
struct MonthRange {
  YearMonth first, last;
};
std::optional<MonthRange> billed_months(const std::vector<Case>& cases);
// Why `month` is not among the months the cases bill (naming `option`, the value and the range found), or empty.
std::string month_outside(const std::vector<Case>& cases, const YearMonth& month, const std::string& option);

// Due dates are the next business day (SPEC §5), so [holidays] dates must list every year a slip's due date
// falls in (Calendar::covers_year); a year left out is an error naming the year and `municipality_file`.
Diagnostics check_holiday_years(const std::vector<Case>& cases, const Municipality& m,
                                const std::string& municipality_file);

}  // namespace tsuchi::ingest
