// The few municipality.toml keys the ledger needs, read here so the ledger does not depend on
// ingest (which reads the whole file for the run); plus time helpers.
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <filesystem>

#include "ledger/internal.hpp"

namespace tsuchi::ledger {

namespace {

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// "08:30" -> 510; "24:00" allowed as an end of day.
std::optional<int> parse_hhmm(std::string_view s) {
  if (s.size() != 5 || s[2] != ':') return std::nullopt;
  for (int i : {0, 1, 3, 4})
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
  if (m > 59 || h > 24 || (h == 24 && m != 0)) return std::nullopt;
  return h * 60 + m;
}

// "+09:00" / "-05:30" / "Z" -> minutes east of UTC.
std::optional<int> parse_offset(std::string_view s) {
  if (s == "Z") return 0;
  if (s.size() != 6 || (s[0] != '+' && s[0] != '-')) return std::nullopt;
  auto hm = parse_hhmm(s.substr(1));
  if (!hm || *hm > 14 * 60) return std::nullopt;
  return s[0] == '-' ? -*hm : *hm;
}

}  // namespace

bool Policy::has_any_role(const std::string& user) const {
  return contains(staff, user) || contains(approver, user) || contains(supervisor, user);
}

bool Policy::is_approver(const std::string& user) const { return contains(approver, user); }

Checked<Policy> load_policy(const std::string& path) {
  Checked<Policy> r;
  // The same guards as ingest's reading of this file (duplicated: the ledger does not link ingest):
  // a size cap, and a cap on '.', '[' and '{' because toml++ overflows the stack on deep nesting.
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) {
    r.problems.push_back(error(path, "cannot read the file: " + ec.message()));
    return r;
  }
  if (size > (16u << 20)) {
    r.problems.push_back(error(path, "the file is larger than 16 MiB; this is not a configuration file"));
    return r;
  }
  auto text = read_file(path);
  if (!text) {
    r.problems.push_back(error(path, "cannot read the file"));
    return r;
  }
  if (std::count_if(text->begin(), text->end(), [](char c) { return c == '.' || c == '[' || c == '{'; }) > 4096) {
    r.problems.push_back(error(path, "more than 4096 of the characters . [ { : a configuration file is far smaller, "
                                     "and tables nested that deep would crash the TOML reader"));
    return r;
  }
  toml::table t;
  try {
    t = toml::parse(*text, path);
  } catch (const toml::parse_error& e) {
    Diagnostic d = error(path, std::string("not valid TOML: ") + std::string(e.description()));
    d.line = static_cast<int>(e.source().begin.line);
    d.column = static_cast<int>(e.source().begin.column);
    r.problems.push_back(d);
    return r;
  }
  auto bad = [&](const std::string& key, const std::string& value, const std::string& why) {
    Diagnostic d = error(path, why);
    d.column_name = key;
    d.value = value;
    r.problems.push_back(d);
  };
  auto users = [&](const char* role, std::vector<std::string>& out) {
    auto node = t["roles"][role];
    if (!node) return;
    auto* arr = node.as_array();
    if (!arr) return bad(std::string("roles.") + role, "", "must be a list of user ids");
    for (auto& u : *arr) {
      if (auto s = u.value<std::string>(); s && !s->empty())
        out.push_back(*s);
      else
        bad(std::string("roles.") + role, "", "must be a list of user ids");
    }
  };
  users("staff", r.value.staff);
  users("approver", r.value.approver);
  users("supervisor", r.value.supervisor);

  auto& oh = r.value.office_hours;
  if (auto* hours = t["office_hours"].as_table()) {
    oh.configured = true;
    auto minute = [&](const char* key, int& out) {
      auto v = (*hours)[key].value<std::string>();
      if (!v) return;
      if (auto m = parse_hhmm(*v))
        out = *m;
      else
        bad(std::string("office_hours.") + key, *v, "must be HH:MM");
    };
    minute("start", oh.start_minute);
    minute("end", oh.end_minute);
    if (oh.end_minute <= oh.start_minute) bad("office_hours.end", "", "must be after office_hours.start");
    if (auto* days = (*hours)["weekdays"].as_array()) {
      oh.weekdays.clear();
      for (auto& d : *days) {
        auto n = d.value<int64_t>();
        if (n && *n >= 0 && *n <= 6)
          oh.weekdays.push_back(static_cast<int>(*n));
        else
          bad("office_hours.weekdays", "", "must list days 0 (Sunday) to 6 (Saturday)");
      }
    }
    if (auto v = (*hours)["utc_offset"].value<std::string>()) {
      if (auto m = parse_offset(*v))
        oh.utc_offset_minutes = *m;
      else
        bad("office_hours.utc_offset", *v, "must be like +09:00");
    }
  }
  if (auto* dates = t["holidays"]["dates"].as_array())
    for (auto& d : *dates) {
      auto s = d.value<std::string>();
      auto day = s ? parse_date(*s) : std::nullopt;
      if (day)
        oh.holidays.push_back(*day);
      else
        bad("holidays.dates", s.value_or(""), "must be YYYY-MM-DD dates");
    }
  if (auto v = t["batch"]["certificate_due_days"].value<int64_t>()) {
    if (*v < 1 || *v > 3650)
      bad("batch.certificate_due_days", std::to_string(*v), "must be 1 to 3650 days");
    else
      r.value.certificate_due_days = static_cast<int>(*v);
  }
  return r;
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
  auto hm = parse_hhmm(std::string_view(s).substr(11, 5));
  if (!day || !hm || *hm >= 24 * 60) return std::nullopt;
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
  auto off = parse_offset(std::string_view(s).substr(i));
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
