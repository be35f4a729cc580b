// The ledger file itself (init, open, read-only), the pinned configuration's policy, times, and the
// contractor files' bad rows with their exact messages.
#include <doctest/doctest.h>

#include "support.hpp"

namespace {

// A ledger with the sample run approved and handed over, ready for contractor files.
struct Handed : Office {
  Handed() {
    approved_run(*this);
    must(l.handover(kBatch, staff, "courier", "USB-1"), "handover");
    clock.set("2025-09-30T01:00:00Z");  // the contractor's files come after the handover, never ahead of the clock
  }
};

}  // namespace

TEST_CASE("only `ledger init` creates a ledger; open refuses anything that is not one") {
  TempDir tmp;
  TestClock clock;
  const std::string empty = tmp.write("empty.sqlite", "");
  const std::string text = tmp.write("notes.txt", "not a database\n");
  const std::string bare = tmp.file("bare.sqlite");
  exec_sql(bare, "CREATE TABLE t(x); INSERT INTO t VALUES (1);");
  // A schema-1 ledger as tsuchi before issue 11 left it: an unsigned chain, roles from a file.
  const std::string v1 = tmp.file("v1.sqlite");
  exec_sql(v1, "CREATE TABLE audit(seq INTEGER PRIMARY KEY, at TEXT, user TEXT, command TEXT, objects TEXT, "
               "result TEXT, prev_hash TEXT, hash TEXT); PRAGMA user_version = 1;");
  struct Case {
    const char* name;
    std::string path;
    bool names_init = true;  // the refusal points to `tsuchi ledger init`
  };
  const Case cases[] = {
      {"in memory", ":memory:"},
      {"an SQLite URI", "file:ledger.sqlite?mode=memory"},
      {"a missing file", tmp.file("missing.sqlite")},
      {"a missing folder", tmp.file("no/such/ledger.sqlite")},
      {"an empty file", empty},
      {"a text file", text, false},  // SQLite's "file is not a database" says what it is
      {"an SQLite file without an init record", bare},
      {"a schema 1 ledger", v1},
  };
  for (const auto& c : cases) {
    const std::string name = c.name;
    CAPTURE(name);
    for (auto access : {Ledger::Access::read_write, Ledger::Access::read_only}) {
      const bool existed = fs::exists(c.path);
      const std::string bytes = existed ? read_bytes(c.path) : "";
      auto l = Ledger::open(c.path, access, clock.clock());
      CHECK_FALSE(l.ok());
      CHECK(messages(l.problems).find(c.path) != std::string::npos);
      if (c.names_init) CHECK_MESSAGE(messages(l.problems).find("tsuchi ledger init") != std::string::npos, messages(l.problems));
      // Refusing leaves nothing behind: no file made, none changed.
      CHECK(fs::exists(c.path) == existed);
      if (existed) CHECK(read_bytes(c.path) == bytes);
    }
  }
  CHECK_FALSE(fs::exists(tmp.file("ledger.sqlite")));
}

TEST_CASE("ledger init refuses an existing file and anything without its keys") {
  Office o;
  const std::string bytes = read_bytes(o.path());
  const keys::SecretKey other_city = keys::SecretKey::generate(keys::Kind::city);
  const keys::SecretKey user = keys::SecretKey::generate(keys::Kind::user);
  const std::string fresh = o.tmp.file("fresh.sqlite");
  const std::string text = o.tmp.write("text.txt", "hello\n");
  struct Case {
    const char* name;
    Ledger::Init init;
  };
  const Case cases[] = {
      {"an existing ledger", {o.path(), &other_city, o.municipality, kMunicipalityPath, "eve", user.public_key(), "os"}},
      {"an existing file", {text, &other_city, o.municipality, kMunicipalityPath, "eve", user.public_key(), "os"}},
      {"in memory", {":memory:", &other_city, o.municipality, kMunicipalityPath, "eve", user.public_key(), "os"}},
      {"no city key", {fresh, nullptr, o.municipality, kMunicipalityPath, "eve", user.public_key(), "os"}},
      {"a user key as the city key", {fresh, &user, o.municipality, kMunicipalityPath, "eve", user.public_key(), "os"}},
      {"no supervisor", {fresh, &other_city, o.municipality, kMunicipalityPath, "", user.public_key(), "os"}},
      {"a configuration the reader refuses",
       {fresh, &other_city, "[batch]\ncertificate_due_days = 0\n", "bad.toml", "eve", user.public_key(), "os"}},
  };
  for (const auto& c : cases) {
    const std::string name = c.name;
    CAPTURE(name);
    auto l = Ledger::init(c.init, o.clock.clock());
    CHECK_FALSE(l.ok());
    CHECK_FALSE(l.problems.empty());
  }
  CHECK(read_bytes(o.path()) == bytes);
  CHECK(read_bytes(text) == "hello\n");
  CHECK_FALSE(fs::exists(fresh));
}

TEST_CASE("a new ledger: the city key, the configuration and the first supervisor, in one record") {
  Office o;
  CHECK(o.l.city_key() == o.city.public_key());
  CHECK_FALSE(o.l.read_only());
  const auto records = o.l.audit_records();
  REQUIRE(records.size() >= 3);  // init, then the two users the fixture adds
  CHECK(records[0].seq == 1);
  CHECK(records[0].signer == o.city.public_key().hex());
  CHECK(records[0].prev_hash == std::string(64, '0'));
  CHECK(records[0].os_user == "os-sup");
  // journal_mode DELETE: a copied file is the whole ledger (no -wal beside it).
  CHECK(query_column(o.path(), "PRAGMA journal_mode") == std::vector<std::string>{"delete"});
  CHECK_FALSE(fs::exists(o.path() + "-wal"));
  const auto copy = o.tmp.file("copy.sqlite");
  fs::copy_file(o.path(), copy);
  auto opened = Ledger::open(copy, Ledger::Access::read_only, o.clock.clock());
  REQUIRE_MESSAGE(opened.ok(), messages(opened.problems));
  CHECK(opened.value.head() == o.l.head());
  CHECK(opened.value.users().size() == 3);
}

TEST_CASE("a read-only ledger never writes: reconcile and verify leave the file's bytes as they were") {
  Handed h;
  const std::string before = sha256(read_bytes(h.path()));
  auto ro = h.reopen(Ledger::Access::read_only);
  CHECK(ro.read_only());
  auto rep = ro.reconcile({"", kBatch, Date{2025, 9, 15}}, nullptr);
  REQUIRE_MESSAGE(rep.ok(), messages(rep.problems));
  REQUIRE(rep.value.batches.size() == 1);
  CHECK(rep.value.batches[0].handed);
  CHECK(rep.value.head == h.l.head());
  auto v = ro.verify_audit({h.l.head(), h.city.public_key()});
  REQUIRE(v.ok());
  CHECK(v.value.ok());
  CHECK(ro.users().size() == 3);
  CHECK(ro.config().text == h.municipality);

  // Every mutating call fails cleanly, and a refused identify is not recorded either.
  const Actor staff = h.staff;
  const keys::SecretKey stranger = keys::SecretKey::generate(keys::Kind::user);
  struct Case {
    const char* name;
    std::function<bool()> refused;
  };
  const std::string receipt = h.tmp.write("r.csv", "batch_id,archive_sha256,received_at,received_by\n" + kBatch + "," +
                                                       sha256(archive_bytes()) + ",2025-09-02T10:00:00Z,desk\n");
  const Case cases[] = {
      {"append_audit", [&] { return has_errors(ro.append_audit({"reconcile", {}, "ok"}, staff)); }},
      {"record_run", [&] { return has_errors(ro.record_run(sealed_run(h.tmp, "sato").record, staff)); }},
      {"record_review", [&] { return has_errors(ro.record_review(kRun, sha256("x"), staff)); }},
      {"approve", [&] { return !ro.approve(kRun, sha256("x"), h.approver).ok(); }},
      {"handover", [&] { return has_errors(ro.handover(kBatch, staff, "courier", "USB-2")); }},
      {"import_receipt", [&] { return !ro.import_receipt(receipt, staff).ok(); }},
      {"add_user", [&] { return has_errors(ro.add_user(h.sup, h.city, "kato", keys::Role::staff, stranger.public_key())); }},
      {"revoke_user", [&] { return has_errors(ro.revoke_user(h.sup, "sato")); }},
      {"set_config", [&] { return has_errors(ro.set_config(h.sup, h.municipality, "m.toml")); }},
      {"record_preview_start", [&] { return !ro.record_preview_start(staff, "out", sha256("in")).ok(); }},
      {"record_audit_check", [&] { return has_errors(ro.record_audit_check(v.value, h.sup)); }},
      {"identify an unregistered key", [&] { return !ro.identify(stranger, "os", "reconcile").ok(); }},
  };
  for (const auto& c : cases) {
    const std::string name = c.name;
    CAPTURE(name);
    CHECK(c.refused());
  }
  (void)ro.reconcile({}, &staff);  // given an actor, a read-only copy still records nothing
  CHECK(sha256(read_bytes(h.path())) == before);
  CHECK_FALSE(fs::exists(h.path() + "-journal"));
  // The writable handle still works afterwards: nothing was left locked.
  CHECK(messages(h.l.append_audit({"reconcile", {}, "ok"}, h.staff)) == "");
}

TEST_CASE("the review sheet finds the previous run of the same month, else the last run") {
  Office o;
  auto make = [&](const std::string& id, const std::string& month, const std::string& at) {
    RunRecord r{id, o.staff.user, at, month, {}, {}, {}};
    BatchRecord b{id + "-B001", sha256(id + "a"), sha256(id + "m"), sha256(id + "t"), {{id + "-B001/000001", "360", 1, 1, 1, 1}}};
    r.batches = {b};
    r.slips = {{id + "-B001/000001", "C001", month, 12300, true}};
    REQUIRE(o.l.reserve_run(o.staff, id, "out-" + id, true).ok());
    REQUIRE(messages(o.l.record_run(r, o.staff)) == "");
  };
  make("R1", "2025-08", "2025-08-01T00:00:00Z");
  make("R2", "2025-09", "2025-09-01T00:00:00Z");
  make("R3", "2025-08", "2025-09-02T00:00:00Z");  // a re-run of August after September's run
  make("R4", "2025-10", "2025-10-01T00:00:00Z");
  CHECK_FALSE(o.l.previous_run("R1"));
  CHECK(o.l.previous_run("R3")->run_id == "R1");  // same month
  CHECK(o.l.previous_run("R2")->run_id == "R1");  // no earlier September: the last run
  CHECK(o.l.previous_run("R4")->run_id == "R3");
  CHECK(o.l.run("R3")->user == "sato");  // the maker is the identified actor
  CHECK(o.l.slips("R3") == std::vector<SlipRecord>{{"R3-B001/000001", "C001", "2025-08", 12300, true}});
  CHECK(messages(o.l.record_run({"R5", "suzuki", "2025-10-02T00:00:00Z", "2025-10", {}, {}, {}}, o.approver)) != "");
  // The maker is whoever signs the run, whatever name the record carries.
  REQUIRE(o.l.reserve_run(o.staff, "R6", "out-R6", true).ok());
  const bool stored = !has_errors(o.l.record_run({"R6", "mallory", "2025-10-02T00:00:00Z", "2025-10", {}, {}, {}}, o.staff));
  if (stored) CHECK(o.l.run("R6")->user == "sato");
}

TEST_CASE("the policy comes from the pinned configuration: office hours and due days") {
  Office o;
  const Policy p = o.l.policy();
  CHECK(p.office_hours.configured);
  CHECK(p.office_hours.start_minute == 8 * 60 + 30);  // examples/municipality.toml [office_hours]
  CHECK(p.office_hours.end_minute == 17 * 60 + 15);
  CHECK(p.certificate_due_days == 30);
  auto m = parse_municipality(o.municipality, kMunicipalityPath);
  REQUIRE(m.ok());
  CHECK(policy_of(m.value).certificate_due_days == 30);
}

TEST_CASE("contractor times need an offset and become UTC") {
  const std::pair<const char*, const char*> rows[] = {
      {"2025-09-03T10:15:00+09:00", "2025-09-03T01:15:00Z"}, {"2025-09-03T10:15+09:00", "2025-09-03T01:15:00Z"},
      {"2025-09-01T05:00:00+09:00", "2025-08-31T20:00:00Z"}, {"2025-09-03T01:15:07.250Z", "2025-09-03T01:15:07Z"},
      {"2025-12-31T20:00:00-05:00", "2026-01-01T01:00:00Z"}, {"2025-09-03T10:15:00", nullptr},
      {"2025-09-03 10:15:00+09:00", nullptr},                {"2025-02-29T10:00:00Z", nullptr},
      {"2025-09-03T24:00:00Z", nullptr},                     {"2025-09-03T10:15:00+9", nullptr},
  };
  for (const auto& row : rows) {
    const char* in = row.first;  // not a structured binding: clang 14 cannot capture one (CAPTURE)
    const char* want = row.second;
    CAPTURE(in);
    auto got = normalize_time(in);
    if (want)
      CHECK(got == std::optional<std::string>(want));
    else
      CHECK_FALSE(got);
  }
}

TEST_CASE("bad rows in contractor files are refused whole, with file:line:column messages") {
  enum Kind { worklog, returns, receipt };
  struct Case {
    Kind kind;
    std::string csv;
    std::string messages;  // with F for the file's path
  };
  const std::string good = kBatch + "," + envelope(1) + ",mailed,2,2025-09-04T09:00:00+09:00\n";
  const std::string H = "batch_id,envelope_id,status,sheets,at\n";
  const Case cases[] = {
      {worklog, H + good + kBatch + "," + envelope(2) + ",lost,2,2025-09-04T09:00:00+09:00\n",
       "F:3:3: error: status \"lost\": must be one of inserted, reprinted, spoiled, mailed\n"},
      {worklog, H + good + kBatch + "," + envelope(2) + ",mailed,two,2025-09-04T09:00:00+09:00\n",
       "F:3:4: error: sheets \"two\": must be a whole number of sheets, 0 or more\n"},
      {worklog, H + kBatch + "," + envelope(2) + ",mailed,-1,2025-09-04T09:00:00+09:00\n",
       "F:2:4: error: sheets \"-1\": must be a whole number of sheets, 0 or more\n"},
      {worklog, H + kBatch + "," + envelope(2) + ",mailed,2,2025-09-04 09:00\n",
       "F:2:5: error: at \"2025-09-04 09:00\": must be an ISO-8601 time with its offset, e.g. 2025-09-03T10:15:00+09:00\n"},
      {worklog, H + "R20250901-B009," + envelope(2) + ",mailed,2,2025-09-04T09:00:00Z\n",
       "F:2:1: error: batch_id \"R20250901-B009\": no such batch in the ledger\n"},
      {worklog, H + kBatch + ",R20250901-B001/000099,mailed,2,2025-09-04T09:00:00Z\n",
       "F:2:2: error: envelope_id \"R20250901-B001/000099\": not an envelope of batch R20250901-B001\n"},
      {worklog, H + kBatch + ",,mailed,2,2025-09-04T09:00:00Z\n" + kBatch + "," + envelope(2) + ",mailed,2\n",
       "F:2:2: error: envelope_id \"\": required\nF:3: error: the record has 4 fields but the header has 5\n"},
      {worklog, "batch_id,envelope_id,sheets,at\n" + good, "F:1: error: missing column status\n"},
      {worklog, H + kBatch + ",\"" + envelope(2) + ",mailed,2,2025-09-04T09:00:00Z\n",
       "F:2:2: error: envelope_id \"\": a quoted field starts here but its closing quote is missing\n"},
      {returns, "envelope_id,reason,at,action\n" + envelope(1) + ",不在,2025-09-10T11:00:00+09:00,open\n",
       "F:2:2: error: reason \"不在\": must be one of あて所に尋ねあたりません, 転居先不明, 受取拒絶, 保管期間経過, あて名不完全 "
       "(or its code, see contractor-files.md)\n"},
      {returns, "envelope_id,reason,at,action\n" + envelope(1) + ",転居先不明,2025-09-10T11:00:00+09:00,burned\n",
       "F:2:4: error: action \"burned\": must be one of open, resent, handed_over, public_notice\n"},
      {returns, "envelope_id,reason,at\nX/000001,転居先不明,2025-09-10T11:00:00+09:00\n",
       "F:2:1: error: envelope_id \"X/000001\": no such envelope in the ledger\n"},
      {receipt, "batch_id,archive_sha256,received_at,received_by\n" + kBatch + "," + sha256(archive_bytes()) + ",2025-09-02,desk\n",
       "F:2:3: error: received_at \"2025-09-02\": must be an ISO-8601 time with its offset, e.g. 2025-09-03T10:15:00+09:00\n"},
      {receipt, "batch_id,archive_sha256,received_at,received_by\n" + kBatch + "," + sha256(archive_bytes()) +
                    ",2025-09-02T10:00:00Z,\n",
       "F:2:4: error: received_by \"\": required\n"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.csv);
    Handed h;
    std::string f = h.tmp.write("in.csv", c.csv);
    const Actor& staff = h.staff;
    auto r = c.kind == worklog ? h.l.import_worklog(f, staff)
             : c.kind == returns ? h.l.import_returns(f, staff)
                                 : h.l.import_receipt(f, staff);
    std::string want = c.messages;
    for (std::size_t p; (p = want.find("F:")) != std::string::npos;) want.replace(p, 1, f);
    CHECK(messages(r.problems) == want);
    // Nothing stored: no work log, no returns, no receipt; the refusal is audited.
    auto s = h.l.reconcile({"", kBatch, std::nullopt}, nullptr);
    REQUIRE(s.ok());
    CHECK_FALSE(s.value.batches[0].worklog);
    CHECK(s.value.batches[0].returned == 0);
    CHECK_FALSE(s.value.batches[0].received);
    CHECK(h.l.audit_records().back().result.rfind("refused: ", 0) == 0);
  }
}

TEST_CASE("work log flags: an envelope mailed twice, sheets and totals that disagree") {
  Handed h;
  const Actor& staff = h.staff;
  std::string f = h.tmp.write(
      "w.csv", "batch_id,envelope_id,status,sheets,at,postal_category\n" + kBatch + "," + envelope(1) +
                   ",mailed,2,2025-09-04T09:00:00Z,barcode\n" + kBatch + "," + envelope(2) +
                   ",mailed,3,2025-09-04T09:00:00Z,barcode\n" + kBatch + "," + envelope(1) +
                   ",mailed,2,2025-09-05T09:00:00Z,barcode\n" + kBatch + ",TOTAL,mailed,6,2025-09-05T18:00:00Z,\n");
  auto r = h.l.import_worklog(f, staff);
  CHECK(r.ok());  // flags are warnings: the report is stored, and reconcile keeps showing them
  CHECK(messages(r.problems) ==
        f + ": warning: envelope R20250901-B001/000001 reported mailed 2 times (lines 2, 4)\n" + f +
            ": warning: envelope R20250901-B001/000002 mailed with 3 sheets, sealed with 2 (line 3)\n" + f +
            ": warning: TOTAL mailed: the contractor reports 6 sheets, its log adds up to 7 (line 5)\n");
  auto s = h.l.reconcile({"", kBatch, std::nullopt}, &staff);
  REQUIRE(s.ok());
  CHECK(s.value.batches[0].flags.size() == 3);
  CHECK(s.value.batches[0].mailed == 2);
  CHECK(s.value.batches[0].missing == std::vector<std::string>{envelope(3), envelope(4)});
}

TEST_CASE("certificates: NIST SP 800-88 fields checked, the file kept by its SHA-256") {
  Handed h;
  const Actor& staff = h.staff;
  std::string form = h.tmp.write("form.pdf", "%PDF-1.4 certificate");
  CertificateRequest c;
  c.file = form;
  c.batch_id = kBatch;
  c.medium = "spoilage";
  c.method = "Shred";
  c.date = "2025-09-31";
  c.tool = "Shredder";
  c.tool_version = "1";
  c.verification = "visual";
  c.place = "plant";
  c.operator_name = "op";
  auto r = h.l.import_certificate(c, staff);
  CHECK(messages(r.problems) == form + ": error: no certificate-form QR code for batch R20250901-B001 in the file: scan "
                                       "the filled-in form printed by `tsuchi certificate form`, or a supervisor accepts "
                                       "it with --no-form-code --reason TEXT\n" +
                                    form + ": error: --method \"Shred\": must be Clear, Purge or Destroy (NIST SP 800-88)\n" +
                                    form + ": error: --date \"2025-09-31\": must be a date YYYY-MM-DD\n" + form +
                                    ": error: --witness \"\": required\n" + form +
                                    ": error: --quantity \"\": required for the spoilage medium: the number of sheets destroyed\n");
  c.batch_id.clear();
  CHECK(messages(h.l.import_certificate(c, staff).problems) ==
        form + ": error: no certificate-form QR code found in the file: pass --batch\n");

  // The QR hook: a matcher that reads the form's code finds the batch, and its manifest must match.
  c.method = "Destroy";
  c.date = "2025-09-20";
  c.witness = "w";
  c.quantity = 0;
  c.matcher = [](const std::string&) { return std::optional<FormCode>(FormCode{kBatch, std::string(64, 'a')}); };
  CHECK(messages(h.l.import_certificate(c, staff).problems) ==
        form + ": error: form QR code \"R20250901-B001\": the form's QR code carries another manifest digest than the "
               "one sealed for this batch\n");
  auto manifest = query_column(h.path(), "SELECT manifest_sha256 FROM batches");
  c.matcher = [&](const std::string&) { return std::optional<FormCode>(FormCode{kBatch, manifest.at(0)}); };
  REQUIRE(h.l.import_certificate(c, staff).ok());
  CHECK(query_column(h.path(), "SELECT sha256 FROM certificate_files") ==
        std::vector<std::string>{sha256("%PDF-1.4 certificate")});
  CHECK(query_column(h.path(), "SELECT bytes FROM certificate_files") ==
        std::vector<std::string>{"%PDF-1.4 certificate"});
}
