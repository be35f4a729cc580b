// cases.csv: the shared RFC 4180 reader (core/csv.hpp), then the per-row rules of SPEC §6,
// driven by the Case schema declared once below.
#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unordered_map>

#include "core/file.hpp"
#include "core/utf8.hpp"
#include "ingest/ingest.hpp"

namespace tsuchi::ingest {
namespace {

constexpr std::uintmax_t kMaxFileBytes = std::uintmax_t{1} << 30;
constexpr const char* kTooLargeAdvice = "split the extract into smaller files";
constexpr std::size_t kMaxShownCodePoints = 40;  // longer values are cut in messages

// ---------------------------------------------------------------------------------------------
// Columns (SPEC §3). Personal columns never have their text echoed in a message.

enum Col {
  kCaseId, kChildAtenaNo, kChildName, kChildBirthDate, kGuardianAtenaNo, kGuardianName, kPostalCode,
  kAddress, kAddressBuilding, kHouseholdNo, kMyNumber, kCertificationType, kCareNeed, kFacilityName,
  kFacilityPublic, kBracket, kChildOrder, kSideDishExempt, kCashPayment, kNoticeKind, kDecisionDate,
  kPeriodStart, kPeriodEnd, kReason, kPreviousBracket, kPreviousCertificationType, kPreviousCareNeed,
  kPreviousChildOrder, kTransferBank, kTransferAccount, kElNumber, kElQr, kColumnCount
};

using C = Case;
// In the order of the Col enum above (tests/ingest checks it against the header of SPEC §3).
const std::vector<CaseField> kSchema{
    //  name                required personal printed exact  member
    {"case_id",             true,  false, false, false, &C::case_id},
    {"child_atena_no",      true,  false, false, false, &C::child_atena_no},
    {"child_name",          true,  true,  true,  true,  &C::child_name},
    {"child_birth_date",    true,  false, false, false, &C::child_birth_date},
    {"guardian_atena_no",   true,  false, false, false, &C::guardian_atena_no},
    {"guardian_name",       true,  true,  true,  true,  &C::guardian_name},
    {"postal_code",         true,  false, false, false, &C::postal_code},
    {"address",             true,  true,  true,  false, &C::address},
    {"address_building",    false, true,  true,  false, &C::address_building},
    {"household_no",        true,  false, false, false, &C::household_no},
    {"my_number",           false, true,  false, false, std::monostate{}},
    {"certification_type",  true,  false, false, false, &C::certification_type},
    {"care_need",           false, false, false, false, &C::care_need},  // required per row for type 2/3
    {"facility_name",       true,  false, true,  false, &C::facility_name},
    {"facility_public",     true,  false, false, false, &C::facility_public},
    {"bracket",             true,  false, false, false, &C::bracket},
    {"child_order",         true,  false, false, false, &C::child_order},
    {"side_dish_exempt",    true,  false, false, false, &C::side_dish_exempt},
    {"cash_payment",        true,  false, false, false, &C::cash_payment},
    {"notice_kind",         true,  false, false, false, &C::notice_kind},
    {"decision_date",       true,  false, false, false, &C::decision_date},
    {"period_start",        true,  false, false, false, &C::period_start},
    {"period_end",          true,  false, false, false, &C::period_end},
    {"reason",              false, true,  true,  false, &C::reason},
    // Optional: 変更前 of a change notice, 口座振替, eL (地方税統一QR) as issued by the collection system.
    {"previous_bracket",            false, false, false, false, &C::previous_bracket},
    {"previous_certification_type", false, false, false, false, &C::previous_certification_type},
    {"previous_care_need",          false, false, false, false, &C::previous_care_need},
    {"previous_child_order",        false, false, false, false, &C::previous_child_order},
    {"transfer_bank",               false, true,  true,  false, &C::transfer_bank},
    {"transfer_account",            false, true,  false, false, &C::transfer_account},
    {"el_number",                   false, false, true,  false, &C::el_number},
    {"el_qr",                       false, false, false, false, &C::el_qr},
};

// ---------------------------------------------------------------------------------------------
// Small text helpers.

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A value as shown in a message: cut after a few dozen code points so one bad field cannot flood the log.
// A My Number in it is masked first, so a cut never leaves most of one readable.
std::string shown(std::string_view raw) {
  const std::string s = mynumber::mask(raw);
  std::size_t i = 0;
  for (std::size_t count = 0; i < s.size() && count < kMaxShownCodePoints; ++count) utf8::next(s, i);
  return i < s.size() ? s.substr(0, i) + "…" : s;
}

// Full-width digits (０-９, U+FF10..U+FF19) are the usual slip in hand-edited extracts.
bool has_fullwidth_digit(std::string_view s) {
  for (std::size_t i = 0; i + 2 < s.size(); ++i)
    if (static_cast<unsigned char>(s[i]) == 0xEF && static_cast<unsigned char>(s[i + 1]) == 0xBC &&
        static_cast<unsigned char>(s[i + 2]) >= 0x90 && static_cast<unsigned char>(s[i + 2]) <= 0x99)
      return true;
  return false;
}
std::string fullwidth_hint(std::string_view s) {
  return has_fullwidth_digit(s) ? " (write the digits as ASCII 0-9, not full-width)" : "";
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// First control character (C0, DEL, C1) in UTF-8 text; line breaks pass where `allow_breaks`.
std::optional<char32_t> control_character(std::string_view s, bool allow_breaks) {
  for (std::size_t i = 0; i < s.size();) {
    const char32_t c = utf8::next(s, i);
    if (allow_breaks && (c == '\n' || c == '\r')) continue;
    if (c < 0x20 || (c >= 0x7F && c <= 0x9F)) return c;
  }
  return std::nullopt;
}

// The my_number column's value as 12 ASCII digits (full-width digits, spaces and hyphens between
// groups allowed), or empty.
std::string my_number_digits(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    const char32_t c = utf8::next(s, i);
    if (c >= U'0' && c <= U'9') out.push_back(static_cast<char>(c));
    else if (c >= 0xFF10 && c <= 0xFF19) out.push_back(static_cast<char>('0' + (c - 0xFF10)));
    else if (c != U' ' && c != U'-' && c != 0x3000 && c != 0xFF0D && c != U'\t') return {};
  }
  return out.size() == 12 ? out : std::string();
}

std::optional<CareNeed> care_need(std::string_view s) {
  if (s == "standard") return CareNeed::standard;
  if (s == "short") return CareNeed::short_time;
  return std::nullopt;
}

// A whole number, 1 or more, in ASCII digits.
std::optional<int> whole_number(std::string_view s) {
  int n = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (all_digits(s) && ec == std::errc() && end == s.data() + s.size() && n >= 1) return n;
  return std::nullopt;
}

// "YYYY-MM-DD" / "YYYY-MM" with a message that tells a wrong format from a day that does not exist.
std::string date_reason(std::string_view s) {
  const bool shape = s.size() == 10 && s[4] == '-' && s[7] == '-' && all_digits(s.substr(0, 4)) &&
                     all_digits(s.substr(5, 2)) && all_digits(s.substr(8, 2));
  if (shape) return "is not a date in the calendar";
  if (s.empty()) return "is required: a date written YYYY-MM-DD, like 2025-04-01";
  return "must be a date written YYYY-MM-DD, like 2025-04-01" + fullwidth_hint(s);
}
std::string month_reason(std::string_view s) {
  const bool shape = s.size() == 7 && s[4] == '-' && all_digits(s.substr(0, 4)) && all_digits(s.substr(5, 2));
  if (shape) return "is not a month: the month must be 01 to 12";
  if (s.empty()) return "is required: a month written YYYY-MM, like 2025-04";
  return "must be a month written YYYY-MM, like 2025-04" + fullwidth_hint(s);
}

// ---------------------------------------------------------------------------------------------
// The whole file.

class CasesParser {
 public:
  CasesParser(std::string_view bytes, const std::string& name, Encoding enc, progress::Sink* progress)
      : bytes_(bytes), name_(name), enc_(enc), progress_(progress) {}

  Checked<CasesFile> run() {
    if (bytes_.size() > kMaxFileBytes) {
      whole_file("the file is larger than the limit of " + file::size_text(kMaxFileBytes) + "; " + kTooLargeAdvice);
      return std::move(result_);
    }
    // my_number is read only by its own pass below: never decoded here, so never quoted.
    std::vector<std::string> known;
    for (const auto& f : kSchema)
      if (&f != &kSchema[kMyNumber]) known.emplace_back(f.name);
    csv::Reader reader(bytes_, name_, result_.problems, enc_, known);
    if (!reader.ok()) return std::move(result_);
    read_header(reader);
    // The lines after the header: the rows, give or take quoted line breaks and blank lines.
    const auto lines = std::count(bytes_.begin(), bytes_.end(), '\n') + (bytes_.ends_with('\n') ? 0 : 1);
    const bool my_numbers = index_[kMyNumber] >= 0;
    // The my_number column is read first, alone: a pass of its own, a third of the time or less.
    const progress::Scope reading(progress_, {"reading " + std::filesystem::path(name_).filename().string(), "read",
                                              "cases", std::max<std::int64_t>(0, lines - header_line_), true,
                                              my_numbers ? 0.3 : 0});
    if (my_numbers) read_my_numbers(reader.encoding());
    std::size_t rows = 0;
    csv::Record rec;
    while (reader.next(rec)) {
      ++rows;
      read_row(rec);
      reading.advance(1);
    }
    after_rows();
    if (rows == 0) {
      Diagnostic d{Diagnostic::Severity::warning, name_, 0, 0, "", "", "the file has a header but no case rows"};
      result_.problems.push_back(std::move(d));
    }
    return std::move(result_);
  }

 private:
  void read_header(const csv::Reader& reader) {
    header_line_ = reader.header_line();
    index_.fill(-1);
    auto& header = result_.value.header;
    header = reader.header();
    for (std::size_t i = 0; i < header.size(); ++i) {
      const int column = static_cast<int>(i) + 1;
      for (int k = 0; k < kColumnCount; ++k) {
        if (header[i] != kSchema[k].name) continue;
        if (index_[k] >= 0)
          line_error(header_line_, column, kSchema[k].name, "",
                     "the column appears twice in the header (also column " + std::to_string(index_[k] + 1) + ")");
        else
          index_[k] = static_cast<int>(i);
      }
    }
    for (int k = 0; k < kColumnCount; ++k) {
      if (!kSchema[k].required || index_[k] >= 0) continue;
      std::string reason = "required column is missing from the header";
      for (const auto& h : header)
        if (h.size() == std::string_view(kSchema[k].name).size() &&
            std::equal(h.begin(), h.end(), kSchema[k].name,
                       [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; }))
          reason += " (the header has \"" + h + "\"; column names are lower case)";
      line_error(header_line_, 0, kSchema[k].name, "", reason);
    }
  }

  // A first pass over the my_number column alone, so a number swapped into an earlier row is caught
  // too. Each value is kept only as a keyed digest, then forgotten: it never lands in a Case.
  void read_my_numbers(Encoding detected) {
    Diagnostics reported_by_the_main_pass;
    csv::Reader reader(bytes_, name_, reported_by_the_main_pass, detected, {kSchema[kMyNumber].name});
    csv::Record rec;
    const auto at = static_cast<std::size_t>(index_[kMyNumber]);
    while (reader.next(rec)) {
      if (!rec.whole || !rec.decoded[at]) continue;
      std::string digits = my_number_digits(rec.fields[at]);
      result_.value.my_numbers.add(digits);
      if (progress_) progress_->halfway(1);
      std::fill(digits.begin(), digits.end(), '\0');
      std::fill(rec.fields[at].begin(), rec.fields[at].end(), '\0');
    }
  }

  void read_row(csv::Record& rec) {
    if (!rec.whole) return;
    Row row(*this, rec.line);
    for (int k = 0; k < kColumnCount; ++k) {
      const int at = index_[k];
      if (k == kMyNumber || at < 0 || !rec.decoded[at]) continue;  // an undecodable field is already reported
      std::string& text = rec.fields[at];
      row.present[k] = true;
      row.text[k] = kSchema[k].exact ? std::move(text) : std::string(trim(text));
    }
    if (index_[kMyNumber] >= 0) std::fill(rec.fields[index_[kMyNumber]].begin(), rec.fields[index_[kMyNumber]].end(), '\0');
    check_row(row);
    result_.value.cases.push_back(std::move(row.c));
  }

  struct Row {
    Row(CasesParser& parser, int at) : p(&parser), line(at) {}
    CasesParser* p;
    int line;
    Case c;
    std::array<std::string, kColumnCount> text;
    std::array<bool, kColumnCount> present{};  // decoded successfully
    void error(Col k, std::string value, std::string reason) {
      p->line_error(line, p->index_[k] + 1, kSchema[k].name, std::move(value), std::move(reason));
    }
    bool given(Col k) const { return present[k] && !text[k].empty(); }  // optional columns: empty = not given
    // The value to quote in a message: nothing for personal columns, My Numbers masked.
    std::string value(Col k) const { return kSchema[k].personal ? "" : shown(text[k]); }
  };

  // No column may hold a My Number: an exact match of the my_number column (read in full before
  // the rows), or any number passing the check digit. False after reporting one.
  bool my_number_free(Row& row, Col k) {
    const auto& guard = result_.value.my_numbers;
    const std::string& t = row.text[k];
    const auto found = mynumber::find(t);
    if (!found && !guard.contains(t)) return true;
    // Quote the masked value; of a personal column only the masked number; nothing if still revealing.
    std::string quoted = kSchema[k].personal ? (found ? found->digits.substr(0, 4) + "********" : "") : shown(t);
    if (guard.contains(quoted)) quoted.clear();
    row.error(k, std::move(quoted), "holds a My Number; a My Number must never be printed or stored");
    row.present[k] = false;
    return false;
  }

  void check_row(Row& row) {
    Case& c = row.c;
    c.line = row.line;
    auto& t = row.text;
    auto has = [&](Col k) { return row.present[k]; };

    // Never a My Number in any column; in printed text nothing a printer cannot show.
    for (int i = 0; i < kColumnCount; ++i) {
      const auto k = static_cast<Col>(i);
      if (k == kMyNumber || !has(k) || !my_number_free(row, k) || !kSchema[k].printed) continue;
      if (auto cc = control_character(t[k], k == kReason))
        row.error(k, utf8::label(*cc), "contains a control character (a tab or line break), which cannot be printed");
    }
    for (Col k : {kCaseId, kChildAtenaNo, kGuardianAtenaNo, kHouseholdNo, kBracket, kPreviousBracket, kTransferAccount,
                  kElQr})
      if (has(k))
        if (auto cc = control_character(t[k], false)) row.error(k, utf8::label(*cc), "contains a control character");

    for (Col k : {kCaseId, kChildAtenaNo, kChildName, kGuardianAtenaNo, kGuardianName, kAddress, kHouseholdNo,
                  kFacilityName, kBracket})
      if (has(k) && trim(t[k]).empty()) row.error(k, "", "is required");

    if (has(kCaseId) && !t[kCaseId].empty()) {
      auto [it, fresh] = case_ids_.emplace(t[kCaseId], row.line);
      if (!fresh) row.error(kCaseId, row.value(kCaseId), "duplicates the case_id on line " + std::to_string(it->second));
    }
    if (has(kChildBirthDate)) {
      if (auto d = parse_date(t[kChildBirthDate])) c.child_birth_date = *d;
      else row.error(kChildBirthDate, row.value(kChildBirthDate), date_reason(t[kChildBirthDate]));
    }
    if (has(kDecisionDate)) {
      if (auto d = parse_date(t[kDecisionDate])) c.decision_date = *d;
      else row.error(kDecisionDate, row.value(kDecisionDate), date_reason(t[kDecisionDate]));
    }

    if (has(kPostalCode)) {
      std::string_view s = t[kPostalCode];
      if (s.size() == 8 && s[3] == '-' && all_digits(s.substr(0, 3)) && all_digits(s.substr(4)))
        c.postal_code = std::string(s.substr(0, 3)) + std::string(s.substr(4));
      else if (s.size() == 7 && all_digits(s))
        c.postal_code = std::string(s);
      else if (s.empty())
        row.error(kPostalCode, "", "is required: 7 digits, like 360-0012");
      else if (has_fullwidth_digit(s))
        row.error(kPostalCode, row.value(kPostalCode),
                  "must be written with ASCII digits 0-9, not full-width digits: 7 digits, like 360-0012");
      else
        row.error(kPostalCode, row.value(kPostalCode), "must be 7 digits, like 360-0012");
    }

    if (has(kCertificationType)) {
      const auto& s = t[kCertificationType];
      if (s == "1" || s == "2" || s == "3") c.certification_type = s[0] - '0';
      else row.error(kCertificationType, row.value(kCertificationType), "must be 1, 2 or 3" + fullwidth_hint(s));
    }
    if (has(kCareNeed)) {
      const auto& s = t[kCareNeed];
      if (auto need = care_need(s)) c.care_need = *need;
      else if (!s.empty()) row.error(kCareNeed, row.value(kCareNeed), "must be standard or short");
      else if (c.certification_type == 2 || c.certification_type == 3)
        row.error(kCareNeed, "", "is required for certification_type 2 and 3: standard or short");
    } else if (index_[kCareNeed] < 0 && (c.certification_type == 2 || c.certification_type == 3) &&
               first_type23_without_care_need_ == 0) {
      first_type23_without_care_need_ = row.line;
    }
    check_previous(row);
    struct Flag { Col k; bool Case::*field; };
    for (const Flag& f : {Flag{kFacilityPublic, &Case::facility_public}, Flag{kSideDishExempt, &Case::side_dish_exempt},
                          Flag{kCashPayment, &Case::cash_payment}}) {
      if (!has(f.k)) continue;
      const auto& s = t[f.k];
      if (s == "0" || s == "1") c.*f.field = s == "1";
      else row.error(f.k, row.value(f.k), "must be 0 or 1" + fullwidth_hint(s));
    }

    if (has(kChildOrder)) {
      if (auto n = whole_number(t[kChildOrder])) c.child_order = *n;
      else row.error(kChildOrder, row.value(kChildOrder), "must be a whole number, 1 or more" + fullwidth_hint(t[kChildOrder]));
    }
    if (has(kNoticeKind)) {
      const auto& s = t[kNoticeKind];
      if (s == "decision") c.notice_kind = NoticeKind::decision;
      else if (s == "change") c.notice_kind = NoticeKind::change;
      else row.error(kNoticeKind, row.value(kNoticeKind), "must be decision or change");
    }

    std::optional<YearMonth> start, end;
    if (has(kPeriodStart) && !(start = parse_year_month(t[kPeriodStart])))
      row.error(kPeriodStart, row.value(kPeriodStart), month_reason(t[kPeriodStart]));
    if (has(kPeriodEnd) && !(end = parse_year_month(t[kPeriodEnd])))
      row.error(kPeriodEnd, row.value(kPeriodEnd), month_reason(t[kPeriodEnd]));
    if (start && end && *end < *start) {
      row.error(kPeriodEnd, row.value(kPeriodEnd), "is before period_start " + start->iso());
      end.reset();
    }
    // An unusable period stays {0, 0} so cross-row checks skip it.
    if (start && end) {
      c.period_start = *start;
      c.period_end = *end;
    }
    check_transfer_and_el(row);
    // Text columns go to their member as read (postal_code is normalised above).
    for (int k = 0; k < kColumnCount; ++k)
      if (auto m = std::get_if<std::string Case::*>(&kSchema[k].member); m && k != kPostalCode && has(static_cast<Col>(k)))
        c.**m = std::move(t[k]);
  }

  // 変更前: each previous_* column is read like its current counterpart; empty = not given.
  void check_previous(Row& row) {
    Case& c = row.c;
    auto& t = row.text;
    auto given = [&](Col k) { return row.given(k); };
    if (given(kPreviousCertificationType)) {
      const auto& s = t[kPreviousCertificationType];
      if (s == "1" || s == "2" || s == "3") c.previous_certification_type = s[0] - '0';
      else row.error(kPreviousCertificationType, row.value(kPreviousCertificationType),
                     "must be 1, 2 or 3, or empty when it did not change" + fullwidth_hint(s));
    }
    if (given(kPreviousCareNeed)) {
      if (auto need = care_need(t[kPreviousCareNeed])) c.previous_care_need = *need;
      else row.error(kPreviousCareNeed, row.value(kPreviousCareNeed), "must be standard or short, or empty when it did not change");
    } else if ((c.previous_certification_type == 2 || c.previous_certification_type == 3) &&
               c.care_need == CareNeed::none) {
      row.error(kPreviousCareNeed, "", "is required when previous_certification_type is 2 or 3 and care_need is empty: standard or short");
    }
    if (given(kPreviousChildOrder)) {
      if (auto n = whole_number(t[kPreviousChildOrder])) c.previous_child_order = *n;
      else row.error(kPreviousChildOrder, row.value(kPreviousChildOrder),
                     "must be a whole number, 1 or more, or empty when it did not change" + fullwidth_hint(t[kPreviousChildOrder]));
    }
    const bool any = given(kPreviousBracket) || given(kPreviousCertificationType) || given(kPreviousCareNeed) ||
                     given(kPreviousChildOrder);
    if (any && row.present[kNoticeKind] && t[kNoticeKind] == "decision")
      for (Col k : {kPreviousBracket, kPreviousCertificationType, kPreviousCareNeed, kPreviousChildOrder})
        if (given(k)) {
          row.error(k, row.value(k), "only a change notice (notice_kind change) shows 変更前; leave it empty for a decision");
          break;
        }
  }

  // The account is never quoted; a cash payer has no account to draw from. eL values: one, or one
  // per slip (their count against the slips is checked once fees are known: decide::check_rules).
  void check_transfer_and_el(Row& row) {
    Case& c = row.c;
    auto& t = row.text;
    auto given = [&](Col k) { return row.given(k); };
    if (given(kTransferAccount)) {
      const auto& s = t[kTransferAccount];
      if (!all_digits(s) || s.size() > 20)
        row.error(kTransferAccount, "", "must be the account number in ASCII digits 0-9 (at most 20)" + fullwidth_hint(s));
    }
    if ((given(kTransferAccount) || given(kTransferBank)) && c.cash_payment) {
      const Col k = given(kTransferAccount) ? kTransferAccount : kTransferBank;
      row.error(k, "", "is given but cash_payment is 1: a cash payer has no account transfer");
    }
    for (Col k : {kElNumber, kElQr}) {
      if (!given(k)) continue;
      std::string_view rest = t[k];
      for (std::size_t at = 0;; ) {
        const std::size_t semi = rest.find(';', at);
        if (trim(rest.substr(at, semi == std::string_view::npos ? std::string_view::npos : semi - at)).empty()) {
          row.error(k, "", "has an empty value between ';': give one value, or one per slip separated by ';'");
          break;
        }
        if (semi == std::string_view::npos) break;
        at = semi + 1;
      }
    }
  }

  void after_rows() {
    if (first_type23_without_care_need_ > 0)
      line_error(header_line_, 0, "care_need", "",
                 "required column is missing from the header (line " + std::to_string(first_type23_without_care_need_) +
                     " has certification_type 2 or 3, which needs standard or short)");
  }

  void whole_file(std::string reason) { line_error(0, 0, "", "", std::move(reason)); }
  void line_error(int line, int column, std::string column_name, std::string value, std::string reason) {
    result_.problems.push_back(Diagnostic{Diagnostic::Severity::error, name_, line, column, std::move(column_name),
                                          std::move(value), std::move(reason)});
  }

  std::string_view bytes_;
  const std::string& name_;
  Encoding enc_;
  progress::Sink* progress_;
  int header_line_ = 1;
  std::array<int, kColumnCount> index_{};  // 0-based position in the header, -1 when absent
  std::unordered_map<std::string, int> case_ids_;
  int first_type23_without_care_need_ = 0;
  Checked<CasesFile> result_;
};

}  // namespace

const std::vector<CaseField>& case_schema() { return kSchema; }

// ---------------------------------------------------------------------------------------------
// pack/unpack: each schema member in order, integers as LEB128, strings length-prefixed.

namespace {

void put(std::string& out, std::uint64_t v) {
  do {
    const auto byte = static_cast<unsigned char>(v & 0x7F);
    v >>= 7;
    out.push_back(static_cast<char>(v ? byte | 0x80 : byte));
  } while (v);
}
void put_int(std::string& out, std::int64_t v) { put(out, (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63)); }

struct Unpacker {
  std::string_view in;
  std::size_t at = 0;
  std::uint64_t get() {
    std::uint64_t v = 0;
    for (int shift = 0; at < in.size() && shift < 64; shift += 7) {
      const auto byte = static_cast<unsigned char>(in[at++]);
      v |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
      if (!(byte & 0x80)) break;
    }
    return v;
  }
  std::int64_t get_int() {
    const std::uint64_t u = get();
    return static_cast<std::int64_t>(u >> 1) ^ -static_cast<std::int64_t>(u & 1);
  }
  int small() { return static_cast<int>(get_int()); }
  std::string text() {
    const std::size_t n = std::min<std::size_t>(get(), in.size() - at);
    std::string s(in.substr(at, n));
    at += n;
    return s;
  }
};

}  // namespace

std::string pack(const Case& c) {
  std::string out;
  put_int(out, c.line);
  for (const auto& f : kSchema)
    std::visit(
        [&](auto m) {
          using M = decltype(m);
          if constexpr (std::is_same_v<M, std::string Case::*>) {
            put(out, (c.*m).size());
            out += c.*m;
          } else if constexpr (std::is_same_v<M, Date Case::*>) {
            for (int v : {(c.*m).year, (c.*m).month, (c.*m).day}) put_int(out, v);
          } else if constexpr (std::is_same_v<M, YearMonth Case::*>) {
            put_int(out, (c.*m).year * 12 + (c.*m).month);
          } else if constexpr (!std::is_same_v<M, std::monostate>) {
            put_int(out, static_cast<std::int64_t>(c.*m));
          }
        },
        f.member);
  return out;
}

Case unpack(std::string_view packed) {
  Case c;
  Unpacker in{packed};
  c.line = in.small();
  for (const auto& f : kSchema)
    std::visit(
        [&](auto m) {
          using M = decltype(m);
          if constexpr (std::is_same_v<M, std::string Case::*>) {
            c.*m = in.text();
          } else if constexpr (std::is_same_v<M, Date Case::*>) {
            (c.*m).year = in.small();
            (c.*m).month = in.small();
            (c.*m).day = in.small();
          } else if constexpr (std::is_same_v<M, YearMonth Case::*>) {
            const std::int64_t months = in.get_int();
            // {0, 0} (an unusable period) packs as 0 and comes back as {0, 0}.
            c.*m = months == 0 ? YearMonth{} : YearMonth{static_cast<int>((months - 1) / 12), static_cast<int>((months - 1) % 12 + 1)};
          } else if constexpr (std::is_same_v<M, bool Case::*>) {
            c.*m = in.get() != 0;
          } else if constexpr (!std::is_same_v<M, std::monostate>) {
            c.*m = static_cast<std::remove_reference_t<decltype(c.*m)>>(in.get_int());
          }
        },
        f.member);
  return c;
}

int column_of(const std::vector<std::string>& header, std::string_view name) {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return static_cast<int>(i) + 1;
  return 0;
}

int CasesFile::column_of(std::string_view name) const { return ingest::column_of(header, name); }

Checked<CasesFile> parse_cases(std::string_view bytes, const std::string& name, Encoding enc, progress::Sink* progress) {
  return CasesParser(bytes, name, enc, progress).run();
}

Checked<CasesFile> load_cases(const std::string& path, Encoding enc, progress::Sink* progress) {
  Diagnostics problems;
  auto bytes = file::read(path, kMaxFileBytes, problems, kTooLargeAdvice);
  if (!bytes) return {{}, std::move(problems)};
  return parse_cases(*bytes, path, enc, progress);
}

}  // namespace tsuchi::ingest
