// The ledger's policy, built from the shared municipality model (core/config.hpp); plus time helpers.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>

#include "ledger/internal.hpp"

namespace tsuchi::ledger {

namespace {

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

bool Policy::has_any_role(const std::string& user) const {
  return contains(staff, user) || contains(approver, user) || contains(supervisor, user);
}

bool Policy::is_approver(const std::string& user) const { return contains(approver, user); }

Policy policy_of(const Municipality& m) {
  Policy p;
  p.staff = m.roles.staff;
  p.approver = m.roles.approver;
  p.supervisor = m.roles.supervisor;
  static_cast<tsuchi::OfficeHours&>(p.office_hours) = m.office_hours;
  p.office_hours.calendar = Calendar(m.holidays);
  p.certificate_due_days = m.certificate_due_days;
  return p;
}

Checked<Policy> load_policy(const std::string& path) {
  auto m = load_municipality(path);
  return {policy_of(m.value), std::move(m.problems)};
}

Checked<Actor> load_actor(const std::string& user, const std::string& municipality_toml) {
  if (municipality_toml.empty()) return {{user, std::nullopt}, {}};
  auto p = load_policy(municipality_toml);
  return {{user, std::move(p.value)}, std::move(p.problems)};
}

std::string utc_now() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::optional<std::string> normalize_time(const std::string& s) {
  // YYYY-MM-DDTHH:MM[:SS[.fraction]](Z|±HH:MM); the fraction is dropped.
  if (s.size() < 17 || s[10] != 'T') return std::nullopt;
  auto day = parse_date(std::string_view(s).substr(0, 10));
  auto hm = parse_hh_mm(std::string_view(s).substr(11, 5));
  if (!day || !hm) return std::nullopt;
  std::size_t i = 16;
  int sec = 0;
  if (i < s.size() && s[i] == ':') {
    if (i + 3 > s.size() || !std::isdigit(static_cast<unsigned char>(s[i + 1])) ||
        !std::isdigit(static_cast<unsigned char>(s[i + 2])))
      return std::nullopt;
    sec = (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
    if (sec > 59) return std::nullopt;
    i += 3;
    if (i < s.size() && s[i] == '.') {
      ++i;
      std::size_t digits = 0;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++digits;
      if (digits == 0) return std::nullopt;
    }
  }
  auto off = parse_utc_offset(std::string_view(s).substr(i));
  if (!off) return std::nullopt;
  std::int64_t minutes = days_from_civil(*day) * 1440 + *hm - *off;
  Date utc = civil_from_days(minutes >= 0 ? minutes / 1440 : (minutes - 1439) / 1440);
  int mod = static_cast<int>(((minutes % 1440) + 1440) % 1440);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02dZ", utc.iso().c_str(), mod / 60, mod % 60, sec);
  return std::string(buf);
}

Date local_day(const std::string& utc_iso, int utc_offset_minutes) {
  auto day = parse_date(std::string_view(utc_iso).substr(0, 10));
  if (!day || utc_iso.size() < 16) return {};
  int minute = ((utc_iso[11] - '0') * 10 + (utc_iso[12] - '0')) * 60 + (utc_iso[14] - '0') * 10 + (utc_iso[15] - '0');
  int local = minute + utc_offset_minutes;
  int shift = local < 0 ? -1 : local >= 1440 ? 1 : 0;
  return add_days(*day, shift);
}

bool check_role(const Actor& who, Outcome& out) {
  if (who.user.empty()) {
    out.problems.push_back(error("", "no acting user: pass --as USER"));
    out.refusal = "refused: no user";
    return false;
  }
  if (who.policy && !who.policy->has_any_role(who.user)) {
    out.problems.push_back(error("", "user " + who.user + " has no role in municipality.toml [roles]"));
    out.refusal = "refused: user has no role";
    return false;
  }
  return true;
}

}  // namespace tsuchi::ledger
