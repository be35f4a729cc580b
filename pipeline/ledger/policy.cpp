// The ledger's policy, built from the shared municipality model (core/config.hpp); plus time helpers.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>

#include "ledger/internal.hpp"

namespace tsuchi::ledger {

namespace {

using keys::Role;

// Who may do what (SPEC §1, §13). identify() admits by it and audit verify re-checks every record
// by it, so a record appended by SQL under a registered key still needs that key's role.
struct CommandRule {
  const char* command;
  std::vector<Role> roles;  // empty: any registered role
};
const CommandRule kRules[] = {
    {"user add", {Role::supervisor}},
    {"user revoke", {Role::supervisor}},
    {"config set", {Role::supervisor}},
    {"run", {Role::staff}},
    {"preview", {Role::staff}},
    {"preview done", {Role::staff}},
    {"approve", {Role::approver}},
    {"review", {}},
    {"handover", {}},
    {"import receipt", {}},
    {"import worklog", {}},
    {"import returns", {}},
    {"import certificate", {}},
    {"certificate form", {}},
    {"reconcile", {}},
    {"audit verify", {}},
    // ---- issue 12 EVIDENCE: a certificate taken without its form's QR code, on a supervisor's word
    {"import certificate override", {Role::supervisor}},
    // issue 12, runs
    {"run reserve", {Role::staff}},
    {"void", {Role::approver, Role::supervisor}},
};

}  // namespace

std::optional<std::vector<Role>> roles_for(const std::string& command) {
  for (const auto& r : kRules)
    if (command == r.command) return r.roles;
  return std::nullopt;
}

std::string roles_text(const std::vector<Role>& roles) {
  if (roles.empty()) return "any role";
  std::string s;
  for (std::size_t i = 0; i < roles.size(); ++i)
    s += (i == 0 ? "" : i + 1 == roles.size() ? " or " : ", ") + std::string(keys::role_name(roles[i]));
  return "the " + s + " role";
}

Policy policy_of(const Municipality& m) {
  Policy p;
  static_cast<tsuchi::OfficeHours&>(p.office_hours) = m.office_hours;
  p.office_hours.calendar = Calendar(m.holidays);
  p.certificate_due_days = m.certificate_due_days;
  p.csv = m.csv;
  return p;
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
  auto at = parse_utc(utc_iso);
  return at ? office_date(*at, utc_offset_minutes) : Date{};
}

bool check_role(const sql::Db& db, const Actor& who, const std::string& command, Outcome& out) {
  if (who.user.empty() || !who.key || who.key->empty()) {
    out.problems.push_back(error("", "no acting user: pass --key ME.secret (a key registered in the ledger)"));
    out.refusal = "refused: no user";
    return false;
  }
  sql::Stmt reg(db, "SELECT u.role, (SELECT COUNT(*) FROM revocations r WHERE r.public_key = u.public_key) "
                    "FROM users u WHERE u.public_key = ? AND u.name = ?");
  reg.args(who.key->public_key().hex(), who.user);
  if (!reg.step() || reg.integer(1) != 0 || keys::role_from(reg.text(0)) != who.role) {
    out.problems.push_back(error("", "the key of " + who.user + " is not (or no longer) registered with this role"));
    out.refusal = "refused: key not registered";
    return false;
  }
  auto roles = roles_for(command);
  if (!roles || (!roles->empty() && std::find(roles->begin(), roles->end(), who.role) == roles->end())) {
    out.problems.push_back(error("", who.user + " holds the " + std::string(keys::role_name(who.role)) + " role; " +
                                         command + " needs " + (roles ? roles_text(*roles) : "a role no user holds")));
    out.refusal = "refused: role";
    return false;
  }
  return true;
}

Diagnostics read_only_refusal(const std::string& path) {
  return {error(path, "opened read-only (an evidence copy): nothing can be recorded in it")};
}

}  // namespace tsuchi::ledger
