// Ingest: the three input files (SPEC §3) read into plain values, with every problem (SPEC §6)
// reported at once. Font coverage is checked by typeset; the command merges both lists.
#pragma once
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.hpp"

namespace tsuchi::ingest {

enum class CareNeed { none, standard, short_time };  // 保育標準時間 / 保育短時間
enum class NoticeKind { decision, change };           // 決定 / 変更
enum class Encoding { detect, utf8, cp932 };

// One row of cases.csv. my_number is dropped while reading and never stored anywhere.
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
};

struct Bracket {
  std::string code;
  std::string label;
  Yen standard = 0;    // type-3 monthly user charge, 保育標準時間
  Yen short_time = 0;  // 保育短時間
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
  int start_minute = 8 * 60 + 30;  // minutes after midnight, local time
  int end_minute = 17 * 60 + 15;
  std::vector<int> weekdays{1, 2, 3, 4, 5};  // 0 = Sunday
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
};

struct CasesFile {
  std::vector<Case> cases;
  std::vector<std::string> header;  // as read, for messages about a field from later stages
  int column_of(std::string_view name) const;  // 1-based, 0 when absent
};

// Reads cases.csv. Detects UTF-8 (BOM optional) vs CP932 unless told. Every problem is listed.
// Rows with the right number of fields are kept in `cases` even when a field is bad (that field
// keeps its default), so later checks can still report on the rest; only error-free inputs are usable.
Checked<CasesFile> load_cases(const std::string& path, Encoding enc = Encoding::detect);
// Same, from bytes already in memory (`name` is used in messages).
Checked<CasesFile> parse_cases(std::string_view bytes, const std::string& name,
                                       Encoding enc = Encoding::detect);
Checked<FeeSchedules> load_fees(const std::string& path);
Checked<Municipality> load_municipality(const std::string& path);
// Same, from text already in memory; `path` names the file in messages (and, for the
// municipality, is the file whose folder relative paths resolve against).
Checked<FeeSchedules> parse_fees(std::string_view toml, const std::string& path);
Checked<Municipality> parse_municipality(std::string_view toml, const std::string& path);

// Rules across files and rows (SPEC §6): unknown brackets, a month with no schedule in force,
// one guardian with two addresses, care need required for type 2/3, and so on.
// Pass CasesFile::header so messages carry column numbers (without it they carry only the name).
Diagnostics check_consistency(const std::vector<Case>& cases, const std::string& cases_file,
                              const FeeSchedules& fees, const std::string& fees_file,
                              const std::vector<std::string>& header = {});

}  // namespace tsuchi::ingest
