// Convenience-store collection payload (料金代理収納用 GS1-128, AI 91): layout and check digit
// as in barcodes.md §1. zint checks neither, so both are computed here.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "barcode/barcode.hpp"

namespace tsuchi::barcode {

namespace {

bool all_digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Diagnostic problem(std::string column, std::string value, std::string reason) {
  Diagnostic d;
  d.column_name = std::move(column);
  d.value = std::move(value);
  d.reason = std::move(reason);
  return d;
}

std::string zero_padded(long long v, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*lld", width, v);
  return buf;
}

}  // namespace

char store_check_digit(std::string_view first43) {
  int sum = 0;
  bool weight3 = true;  // the rightmost data digit weighs 3
  for (auto it = first43.rbegin(); it != first43.rend(); ++it) {
    sum += (*it - '0') * (weight3 ? 3 : 1);
    weight3 = !weight3;
  }
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

bool store_payload_valid(std::string_view d) {
  return d.size() == 44 && all_digits(d) && d.substr(0, 2) == "91" && store_check_digit(d.substr(0, 43)) == d[43];
}

Checked<std::string> store_payload(const StorePayment& p) {
  Checked<std::string> r;
  auto& ps = r.problems;
  if (p.issuer_code.size() != 6 || !all_digits(p.issuer_code))
    ps.push_back(problem("issuer_code", p.issuer_code, "must be 6 digits"));
  else if (p.issuer_code[0] != '9' && p.issuer_code[0] != '5')
    ps.push_back(problem("issuer_code", p.issuer_code,
                         "must start with 9 or 5 (the GS1 company prefix without its leading 4)"));
  if (p.free_field.size() != 21 || !all_digits(p.free_field))
    ps.push_back(problem("free_field", p.free_field, "must be 21 digits (zero-padded payment reference)"));
  if (p.reissue < 0 || p.reissue > 9)
    ps.push_back(problem("reissue", std::to_string(p.reissue), "must be 0 (original) to 9"));
  const Date& dl = p.deadline;
  if (!is_valid_date(dl.year, dl.month, dl.day))
    ps.push_back(problem("deadline", dl.iso(), "is not a date"));
  else if (dl.year < 2000 || dl.year > 2099)
    ps.push_back(problem("deadline", dl.iso(), "must lie in 2000-2099 (printed as YYMMDD)"));
  if (p.amount < 0 || p.amount > 999999)
    ps.push_back(problem("amount", std::to_string(p.amount), "must be 0 to 999,999 yen (6 digits)"));
  if (!r.ok()) return r;

  std::string s = "91" + p.issuer_code + p.free_field + std::to_string(p.reissue) + zero_padded(dl.year % 100, 2) +
                  zero_padded(dl.month, 2) + zero_padded(dl.day, 2) + (p.revenue_stamp ? "1" : "0") +
                  zero_padded(p.amount, 6);
  s += store_check_digit(s);
  r.value = std::move(s);
  return r;
}

double store_module_mm(int dpi, double target_mm) {
  if (dpi <= 0) return target_mm;
  const double dot = 25.4 / dpi;
  return std::max(1.0, std::round(target_mm / dot)) * dot;
}

std::pair<std::string, std::string> store_human_readable(std::string_view d, const StoreTextLayout& layout) {
  // 0-based first digits of issuer, free field, reissue, deadline, stamp, amount, check digit.
  static constexpr std::size_t field_starts[] = {2, 8, 29, 30, 36, 37, 43};
  const std::size_t split = static_cast<std::size_t>(std::max(layout.line1_digits, 0));
  std::string lines[2];
  for (std::size_t i = 0; i < d.size(); ++i) {
    std::string& line = lines[i < split ? 0 : 1];
    const bool starts_field = std::find(std::begin(field_starts), std::end(field_starts), i) != std::end(field_starts);
    if (layout.field_spaces && starts_field && !line.empty() && line.back() != ')') line += ' ';
    if (layout.field_spaces && i == 0) line += '(';  // GS1 prints the AI in parentheses
    line += d[i];
    if (layout.field_spaces && i == 1) line += ')';
  }
  return {lines[0], lines[1]};
}

}  // namespace tsuchi::barcode
