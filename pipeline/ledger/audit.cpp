// The hash-chained audit log: appending, and verifying with a name for every kind of tampering.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>
#include <unordered_map>

#include "ledger/internal.hpp"

namespace tsuchi::ledger {

using nlohmann::json;

namespace {

// Sorted keys (nlohmann's default std::map), no whitespace, UTF-8: RFC 8785 for these value types.
std::string canonical(const AuditRecord& r, std::int64_t seq) {
  json j = {{"seq", seq},          {"at", r.at},           {"user", r.user},       {"os_user", r.os_user},
            {"signer", r.signer},  {"command", r.command}, {"objects", r.objects}, {"result", r.result},
            {"effects", r.effects}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string hash_with_seq(const AuditRecord& r, std::int64_t seq) {
  return digest::sha256_hex(r.prev_hash + canonical(r, seq));
}

const char* weekday_name(int w) {
  static const char* n[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
  return n[w];
}

std::string hhmm(int minute) {
  char b[16];
  std::snprintf(b, sizeof b, "%02d:%02d", minute / 60, minute % 60);
  return b;
}

// Why an action at `utc` falls outside office hours, or empty.
std::string outside_hours(const std::string& utc, const OfficeHours& h) {
  if (!h.configured || utc.size() < 16) return {};
  Date day = local_day(utc, h.utc_offset_minutes);
  int minute = (((utc[11] - '0') * 10 + (utc[12] - '0')) * 60 + (utc[14] - '0') * 10 + (utc[15] - '0') +
                h.utc_offset_minutes % 1440 + 1440) % 1440;
  std::string local = day.iso() + " " + hhmm(minute) + " local time";
  if (Calendar::year_end_closure(day)) return local + ": year-end closure (12/29–1/3)";
  if (h.calendar.is_holiday(day)) return local + ": a public holiday";
  int w = weekday(day);
  if (std::find(h.weekdays.begin(), h.weekdays.end(), w) == h.weekdays.end())
    return local + ": " + weekday_name(w) + " is not an office day";
  if (minute < h.start_minute || minute >= h.end_minute)
    return local + ": outside office hours " + hhmm(h.start_minute) + "–" + hhmm(h.end_minute);
  return {};
}

std::string seq_range(std::int64_t a, std::int64_t b) {
  return a == b ? "seq " + std::to_string(a) : "seq " + std::to_string(a) + "–" + std::to_string(b);
}

}  // namespace

std::string audit_hash(const AuditRecord& r) { return hash_with_seq(r, r.seq); }

std::string audit_signed_bytes(const std::string& hash) { return "tsuchi-audit-v2\n" + hash; }

std::pair<std::int64_t, std::string> next_link(const sql::Db& db) {
  sql::Stmt last(db, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1");
  if (last.step()) return {last.integer(0) + 1, last.text(1)};
  return {1, kGenesisHash};
}

AuditRecord append_audit_record(sql::Db& db, std::int64_t seq, const std::string& prev_hash, const std::string& at,
                                const Signer& signer, const AuditEntry& e, const std::string& effects) {
  if (!signer.key || signer.key->empty()) throw sql::SqlError("an audit record needs a signing key");
  AuditRecord r;
  r.seq = seq;
  r.prev_hash = prev_hash;
  r.at = at;
  r.user = signer.user;
  r.os_user = signer.os_user;
  r.signer = signer.key->public_key().hex();
  r.command = e.command;
  r.objects = e.objects;
  r.result = e.result;
  r.effects = effects;
  r.hash = audit_hash(r);
  r.signature = digest::hex(signer.key->sign(audit_signed_bytes(r.hash)));
  sql::Stmt ins(db,
                "INSERT INTO audit(seq, at, user, os_user, signer, command, objects, result, effects, prev_hash, hash, "
                "signature) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
  ins.args(r.seq, r.at, r.user, r.os_user, r.signer, r.command,
           json(r.objects).dump(-1, ' ', false, json::error_handler_t::replace), r.result, r.effects, r.prev_hash,
           r.hash, r.signature)
      .run();
  return r;
}

Diagnostics audited(Db& db, const Clock& clock, const std::string& ledger_path, const Signer& signer,
                    AuditEntry entry, const std::function<void(Outcome&)>& work) {
  Outcome out;
  try {
    {
      sql::Tx tx(db.conn);
      auto [seq, prev] = next_link(db.conn);
      out.seq = seq;
      out.now = clock();
      work(out);
      if (!has_errors(out.problems)) {
        entry.objects.insert(entry.objects.end(), out.objects.begin(), out.objects.end());
        entry.result = out.result;
        sql::Stmt ev(db.conn,
                     "INSERT INTO custody_events(at, recorded_at, user, kind, batch_id, envelope_id, details, audit_seq) "
                     "VALUES (?,?,?,?,?,?,?,?)");
        for (const auto& e : out.events) {
          ev.args(e.at.empty() ? out.now : e.at, out.now, signer.user, e.kind, e.batch_id, e.envelope_id,
                  e.details.empty() ? "{}" : e.details, seq);
          if (e.envelope_id.empty()) ev.bind_null(6);
          ev.run();
          ev.reset();
        }
        AuditRecord rec = append_audit_record(db.conn, seq, prev, out.now, signer, entry, effects_digest(db.conn, seq));
        if (out.after) out.after(rec);
        tx.commit();
        return out.problems;
      }
    }  // rolled back: a refusal stores nothing of its work
    sql::Tx tx(db.conn);
    auto [seq, prev] = next_link(db.conn);
    entry.objects.insert(entry.objects.end(), out.objects.begin(), out.objects.end());
    int errors = static_cast<int>(std::count_if(out.problems.begin(), out.problems.end(), [](const Diagnostic& d) {
      return d.severity == Diagnostic::Severity::error;
    }));
    entry.result = !out.refusal.empty() ? out.refusal : "refused: " + std::to_string(errors) + " error(s)";
    append_audit_record(db.conn, seq, prev, clock(), signer, entry, no_effects());
    tx.commit();
  } catch (const sql::SqlError& e) {
    out.problems.push_back(sql_failure(ledger_path, e));
  } catch (const json::exception& e) {
    out.problems.push_back(sql_failure(ledger_path, e));
  }
  return out.problems;
}

Diagnostics Ledger::append_audit(const AuditEntry& e, const Actor& who) {
  if (!db_) return {error(path_, "the ledger is not open")};
  if (read_only_) return read_only_refusal(path_);
  return audited(*db_, clock_, path_, signer_of(who), e, [&](Outcome& out) {
    if (!check_role(db_->conn, who, e.command, out)) return;
    out.result = e.result.empty() ? "ok" : e.result;
  });
}

std::vector<AuditRecord> load_audit(const sql::Db& db, std::optional<std::int64_t> seq) {
  std::vector<AuditRecord> rows;
  sql::Stmt q(db,
              "SELECT seq, at, user, os_user, signer, command, objects, result, effects, prev_hash, hash, signature "
              "FROM audit WHERE ?1 IS NULL OR seq = ?1 ORDER BY seq");
  if (seq) q.bind(1, *seq);
  while (q.step()) {
    AuditRecord r;
    r.seq = q.integer(0);
    r.at = q.text(1);
    r.user = q.text(2);
    r.os_user = q.text(3);
    r.signer = q.text(4);
    r.command = q.text(5);
    auto objects = json::parse(q.text(6), nullptr, false);
    if (objects.is_array())
      for (auto& o : objects)
        r.objects.push_back(o.is_string() ? o.get<std::string>() : o.dump());
    else
      r.objects.push_back(q.text(6));
    r.result = q.text(7);
    r.effects = q.text(8);
    r.prev_hash = q.text(9);
    r.hash = q.text(10);
    r.signature = q.text(11);
    rows.push_back(std::move(r));
  }
  return rows;
}

bool signature_holds(const AuditRecord& r) {
  auto key = keys::public_key_from_hex(keys::Kind::user, r.signer);
  auto sig = digest::unhex(r.signature);
  return key && sig && keys::verify(*key, audit_signed_bytes(r.hash), *sig);
}

std::vector<AuditRecord> Ledger::audit_records() const {
  try {
    return db_ ? load_audit(db_->conn) : std::vector<AuditRecord>{};
  } catch (const sql::SqlError&) {
    return {};  // a listing only; verify_audit reports database failures
  }
}

namespace {

using AddBreak = std::function<void(std::int64_t, const char*, std::string)>;

// Replays who was registered when, and checks every record's signature, its signer's registration
// and role at that point, and that nobody approved their own run. The first record must be the
// ledger's init, signed by the city key it pins (and, when given, the city key expected).
void check_signers(const sql::Db& db, const std::vector<AuditRecord>& rows, const std::vector<bool>& intact,
                   const VerifyOptions& opt, AuditReport& rep, const AddBreak& add) {
  std::string city_hex;
  {
    sql::Stmt q(db, "SELECT city_public_key FROM ledger_meta ORDER BY rowid LIMIT 1");
    if (q.step()) city_hex = q.text(0);
  }
  auto city = keys::public_key_from_hex(keys::Kind::city, city_hex);
  if (city) rep.city_key_fingerprint = city->fingerprint();
  if (!city) add(1, "forged", "the ledger pins no valid city key");
  if (city && opt.city_key && !(city->bytes == opt.city_key->bytes))
    add(1, "forged", "the ledger is rooted in city key " + city->fingerprint() + ", not the expected " +
                         opt.city_key->fingerprint());

  struct Registration {
    std::string name;
    keys::Role role;
    bool active = true;
  };
  std::map<std::string, Registration> by_key;  // public key hex -> registration
  auto users_of = [&](std::int64_t seq) {
    sql::Stmt q(db, "SELECT name, role, public_key, certificate FROM users WHERE audit_seq = ? ORDER BY rowid");
    q.args(seq);
    while (q.step()) {
      auto role = keys::role_from(q.text(1));
      auto cert = city ? keys::check(q.text(3), *city) : Checked<keys::Certificate>{};
      if (!city || !cert.ok() || !role || cert.value.name != q.text(0) || cert.value.role != *role ||
          cert.value.user_public_key != q.text(2)) {
        add(seq, "forged", "user " + q.text(0) + ": the certificate does not match the pinned city key or the row");
        continue;
      }
      by_key[q.text(2)] = {q.text(0), *role, true};
    }
  };
  auto run_maker = [&](const std::vector<std::string>& objects) -> std::string {
    for (const auto& o : objects)
      if (o.rfind("run:", 0) == 0) {
        sql::Stmt q(db, "SELECT user FROM runs WHERE run_id = ?");
        q.args(o.substr(4));
        if (q.step()) return q.text(0);
      }
    return {};
  };

  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    const bool refused = r.result.rfind("refused", 0) == 0;
    const bool signed_ok = signature_holds(r);
    // An edited record is reported as edited; a record whose hash holds but whose signature does
    // not was rewritten by someone without its actor's key.
    if (!signed_ok && intact[i]) add(r.seq, "forged", "its signature does not verify with the key it names");
    const bool judge = signed_ok && intact[i];  // who signed is only worth checking on an intact record
    if (i == 0) {
      if (r.command != "ledger init" || !city || r.signer != city_hex)
        add(r.seq, "forged", "the first record is not the ledger's init signed by the city key");
      users_of(r.seq);
      continue;
    }
    if (refused) continue;  // a refusal changes nothing; any key may leave one
    // Registrations take effect whatever else is wrong with their record (that is reported), so one
    // break does not cascade into every later record of the users it added.
    if (r.command == "user add") users_of(r.seq);
    if (r.command == "user revoke") {
      sql::Stmt q(db, "SELECT public_key FROM revocations WHERE audit_seq = ?");
      q.args(r.seq);
      while (q.step())
        if (auto it = by_key.find(q.text(0)); it != by_key.end()) it->second.active = false;
    }
    if (!judge) continue;
    auto reg = by_key.find(r.signer);
    if (reg == by_key.end()) {
      add(r.seq, "unauthorized", "signed by a key no supervisor registered");
      continue;
    }
    if (!reg->second.active) {
      add(r.seq, "unauthorized", "signed by the revoked key of " + reg->second.name);
      continue;
    }
    if (reg->second.name != r.user) {
      add(r.seq, "unauthorized", "names user " + r.user + " but is signed by the key of " + reg->second.name);
      continue;
    }
    auto roles = roles_for(r.command);
    if (!roles || (!roles->empty() && std::find(roles->begin(), roles->end(), reg->second.role) == roles->end())) {
      add(r.seq, "unauthorized", r.user + " (" + std::string(keys::role_name(reg->second.role)) + ") may not " +
                                     r.command);
      continue;
    }
    if (r.command == "approve" && run_maker(r.objects) == r.user)
      add(r.seq, "unauthorized", r.user + " approved a run they made");
  }
}

}  // namespace

// The chain fixes each record's place: record k's prev_hash is record k−1's hash, and its hash
// covers its seq. Verification rebuilds that order from the hashes alone (the seq each record was
// written with), then names what differs from the stored order: an edit (hash does not match the
// contents), a deletion (a link to a record that is gone, or a seq gap), an insertion (a record
// the chain passes over) or a reordering (a record stored at another seq than it was written).
Checked<AuditReport> Ledger::verify_audit(const VerifyOptions& opt) const {
  Checked<AuditReport> out;
  std::vector<AuditRecord> rows;
  if (!db_) {
    out.problems.push_back(error(path_, "the ledger is not open"));
    return out;
  }
  try {
    rows = load_audit(db_->conn);
  } catch (const sql::SqlError& e) {
    out.problems.push_back(sql_failure(path_, e));
    return out;
  }
  auto& rep = out.value;
  const std::int64_t n = static_cast<std::int64_t>(rows.size());
  rep.records = n;
  if (n == 0) return out;
  rep.head = {rows.back().seq, rows.back().hash};
  rep.expected_head = opt.expect_head;

  std::unordered_map<std::string, std::int64_t> by_hash;
  for (std::int64_t i = n - 1; i >= 0; --i) by_hash[rows[i].hash] = i;
  constexpr std::int64_t kGenesis = -1, kNone = -2;
  std::vector<std::int64_t> pred(n);
  std::vector<bool> linked(n, false);
  for (std::int64_t i = 0; i < n; ++i) {
    if (rows[i].prev_hash == kGenesisHash) {
      pred[i] = kGenesis;
    } else if (auto it = by_hash.find(rows[i].prev_hash); it != by_hash.end() && it->second != i) {
      pred[i] = it->second;
      linked[it->second] = true;
    } else {
      pred[i] = kNone;
    }
  }

  // written[i]: the seq record i was hashed with, from its chain position. Walked iteratively:
  // a tampered log can make the chain as long as the log.
  std::vector<std::optional<std::int64_t>> written(n);
  std::vector<int> state(n, 0);  // 0 = unknown, 1 = on the current walk, 2 = done
  auto resolve = [&](std::int64_t start) {
    std::vector<std::int64_t> path;
    std::optional<std::int64_t> below;  // written seq of the record before path.back()
    for (std::int64_t i = start;;) {
      if (state[i] == 2) {
        below = written[i];
        break;
      }
      if (state[i] == 1) break;  // a cycle can only be forged; leave it unresolved
      state[i] = 1;
      path.push_back(i);
      if (pred[i] == kGenesis) {
        below = 0;
        break;
      }
      if (pred[i] == kNone) {
        // Its predecessor is gone: recover the seq it was written with by trying nearby values,
        // so one deletion followed by renumbering is not reported as every later record edited.
        for (std::int64_t d = 0; d <= 4096 && !below; ++d)
          for (std::int64_t cand : {rows[i].seq + d, rows[i].seq - d})
            if (cand >= 1 && hash_with_seq(rows[i], cand) == rows[i].hash) {
              below = cand - 1;
              break;
            }
        break;
      }
      i = pred[i];
    }
    for (auto it = path.rbegin(); it != path.rend(); ++it) {
      if (below) ++*below;
      written[*it] = below;
      state[*it] = 2;
    }
  };
  std::vector<bool> intact(n);
  for (std::int64_t i = 0; i < n; ++i) {
    resolve(i);
    intact[i] = hash_with_seq(rows[i], written[i].value_or(rows[i].seq)) == rows[i].hash;
  }

  std::vector<AuditBreak> breaks;
  std::set<std::pair<std::int64_t, std::string>> seen;  // one break per seq and kind
  auto add = [&](std::int64_t seq, const char* kind, std::string detail) {
    if (seen.emplace(seq, kind).second) breaks.push_back({seq, kind, std::move(detail)});
  };
  std::vector<bool> explained(n, false);  // link problems already accounted for

  for (std::int64_t i = 0; i < n; ++i)
    if (!intact[i]) add(rows[i].seq, "edited", "its hash does not match its contents (changed after it was written)");

  // Records nothing links to, other than the head: inserted, or rewritten with a new hash.
  for (std::int64_t i = 0; i + 1 < n; ++i) {
    if (linked[i]) continue;
    std::int64_t j = i + 1;
    if (intact[i] && pred[j] == pred[i]) {
      add(rows[i].seq, "inserted",
          "the chain passes over it: seq " + std::to_string(rows[j].seq) + " links to the record before it");
      explained[j] = true;
    } else if (pred[j] == kNone && written[j] &&
               (*written[j] == rows[i].seq + 1 || (written[i] && *written[j] == *written[i] + 1))) {
      // The next record was written right after this one but links to a hash no longer here.
      if (intact[i])
        add(rows[i].seq, "edited", "it was rewritten with a new hash: the next record links to its original");
      explained[j] = true;
    }
  }

  // Links to records that are gone: deletions.
  for (std::int64_t i = 0; i < n; ++i) {
    if (pred[i] != kNone || explained[i]) continue;
    std::int64_t missing = written[i] ? *written[i] - 1 : rows[i].seq - 1;
    add(missing, "deleted",
        "seq " + std::to_string(rows[i].seq) + " links to a record that is no longer in the log");
    explained[i] = true;
  }
  for (std::int64_t i = 0; i < n; ++i) {
    std::int64_t expect = i == 0 ? 1 : rows[i - 1].seq + 1;
    // A gap before a record that was moved intact is part of a reordering, reported below.
    bool moved = intact[i] && written[i] && *written[i] != rows[i].seq;
    if (rows[i].seq > expect && !moved)
      add(expect, "deleted", seq_range(expect, rows[i].seq - 1) + " missing from the log");
  }

  // Records stored at another seq than they were written with, grouped into runs.
  for (std::int64_t i = 0; i < n;) {
    if (!intact[i] || !written[i] || *written[i] == rows[i].seq) {
      ++i;
      continue;
    }
    std::int64_t delta = rows[i].seq - *written[i], j = i;
    while (j + 1 < n && intact[j + 1] && written[j + 1] && rows[j + 1].seq - *written[j + 1] == delta &&
           rows[j + 1].seq == rows[j].seq + 1)
      ++j;
    add(rows[i].seq, "reordered",
        seq_range(rows[i].seq, rows[j].seq) + (i == j ? " holds the record written as " : " hold the records written as ") +
            seq_range(*written[i], *written[j]));
    for (std::int64_t k = i; k <= j; ++k) explained[k] = true;
    i = j + 1;
  }

  // Any remaining broken link is still a break, whatever its cause.
  for (std::int64_t i = 0; i < n; ++i) {
    const std::string& expect = i == 0 ? std::string(kGenesisHash) : rows[i - 1].hash;
    if (rows[i].prev_hash == expect || explained[i]) continue;
    bool near = std::any_of(breaks.begin(), breaks.end(), [&](const AuditBreak& b) {
      return b.seq == rows[i].seq || (i > 0 && b.seq == rows[i - 1].seq) || (i > 0 && b.seq > rows[i - 1].seq && b.seq < rows[i].seq);
    });
    if (!near)
      add(rows[i].seq, "reordered",
          "its prev_hash is not the hash of " + (i == 0 ? std::string("the start of the log") : "seq " + std::to_string(rows[i - 1].seq)));
  }

  try {
    check_signers(db_->conn, rows, intact, opt, rep, add);
    if (opt.identity_only) {
      for (auto& f : check_identity_rows(db_->conn, rows)) add(f.seq, f.kind.c_str(), f.detail);
    } else {
      std::map<std::int64_t, RecordEffects> effects;
      for (std::int64_t i = 0; i < n; ++i) effects[rows[i].seq] = {rows[i].command, rows[i].effects};
      for (auto& f : check_rows(db_->conn, effects)) add(f.seq, f.kind.c_str(), f.detail);
      for (auto& f : check_releases(db_->conn, rows, city_key())) add(f.seq, f.kind.c_str(), f.detail);
    }
  } catch (const sql::SqlError& e) {
    out.problems.push_back(sql_failure(path_, e));
    return out;
  }
  if (opt.expect_head) {
    auto it = std::find_if(rows.begin(), rows.end(), [&](const AuditRecord& r) { return r.seq == opt.expect_head->seq; });
    if (it == rows.end())
      add(opt.expect_head->seq, "truncated",
          "the checkpoint names seq " + std::to_string(opt.expect_head->seq) + ", but the log ends at seq " +
              std::to_string(rep.head.seq) + ": records were removed");
    else if (it->hash != opt.expect_head->hash)
      add(opt.expect_head->seq, "edited",
          "the record at the checkpoint's seq is not the one the checkpoint names (the log was rewritten from there)");
  }

  static const std::vector<std::string> order{"truncated", "deleted",      "inserted",  "edited",
                                              "reordered", "forged",       "unauthorized", "unrecorded"};
  auto rank = [&](const std::string& k) { return std::find(order.begin(), order.end(), k) - order.begin(); };
  std::stable_sort(breaks.begin(), breaks.end(), [&](const AuditBreak& a, const AuditBreak& b) {
    return a.seq != b.seq ? a.seq < b.seq : rank(a.kind) < rank(b.kind);
  });
  rep.breaks = std::move(breaks);

  if (opt.identity_only) return out;  // identify() before every command needs no office-hours flags
  const OfficeHours hours = policy().office_hours;
  for (const auto& r : rows)
    if (auto why = outside_hours(r.at, hours); !why.empty()) rep.flags.push_back({r.seq, r.at, r.user, r.command, why});
  return out;
}

std::string to_json(const AuditReport& r) {
  json breaks = json::array(), flags = json::array();
  for (const auto& b : r.breaks) breaks.push_back({{"seq", b.seq}, {"kind", b.kind}, {"detail", b.detail}});
  for (const auto& f : r.flags)
    flags.push_back({{"seq", f.seq}, {"at", f.at}, {"user", f.user}, {"command", f.command}, {"reason", f.reason}});
  json j = {{"ok", r.ok()},
            {"records", r.records},
            {"head", {{"seq", r.head.seq}, {"hash", r.head.hash}, {"text", r.head.text()}}},
            {"city_key_sha256", r.city_key_fingerprint},
            {"expected_head", r.expected_head ? json(r.expected_head->text()) : json(nullptr)},
            {"first_break", r.breaks.empty() ? json(nullptr) : breaks.front()},
            {"breaks", breaks},
            {"outside_office_hours", flags}};
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string to_text(const AuditReport& r) {
  std::string s = "audit log: " + std::to_string(r.records) + " record(s)";
  if (r.records > 0) s += ", head " + r.head.text();
  s += "\n";
  if (!r.city_key_fingerprint.empty()) s += "rooted in city key " + r.city_key_fingerprint + "\n";
  if (r.ok()) {
    s += "chain intact: every record signed by its registered actor, every custody row recorded\n";
    if (r.expected_head) s += "checkpoint " + r.expected_head->text() + " found: nothing before it was removed\n";
  } else {
    s += "BROKEN: first at seq " + std::to_string(r.breaks.front().seq) + "\n";
    for (const auto& b : r.breaks) s += "  seq " + std::to_string(b.seq) + ": " + b.kind + ": " + b.detail + "\n";
  }
  if (!r.flags.empty()) {
    s += "outside office hours (flagged, not a break):\n";
    for (const auto& f : r.flags)
      s += "  seq " + std::to_string(f.seq) + " " + f.command + " by " + f.user + " at " + f.reason + "\n";
  }
  return s;
}

}  // namespace tsuchi::ledger
