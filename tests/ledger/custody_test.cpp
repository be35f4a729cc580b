// The custody scenario of issue 5 at the API level: sealed → approved → handed over → received →
// work log → returned mail → reconciled → certified → closed, with every refusal on the way.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "support.hpp"

namespace {

std::string worklog_header() { return "batch_id,envelope_id,status,sheets,at\n"; }
std::string row(int env, const char* status, int sheets, const char* at) {
  return kBatch + "," + envelope(env) + "," + status + "," + std::to_string(sheets) + "," + at + "\n";
}

// Envelope 4 never reported mailed; envelope 2 spoiled (2 sheets) and reprinted.
std::string worklog_with_gap() {
  return worklog_header() + row(1, "inserted", 2, "2025-09-03T09:00:00+09:00") +
         row(1, "mailed", 2, "2025-09-04T09:00:00+09:00") + row(2, "spoiled", 2, "2025-09-03T09:05:00+09:00") +
         row(2, "reprinted", 2, "2025-09-03T09:10:00+09:00") + row(2, "inserted", 2, "2025-09-03T09:11:00+09:00") +
         row(2, "mailed", 2, "2025-09-04T09:00:00+09:00") + row(3, "inserted", 2, "2025-09-03T09:20:00+09:00") +
         row(3, "mailed", 2, "2025-09-04T09:00:00+09:00") + row(4, "inserted", 2, "2025-09-03T09:30:00+09:00");
}

CertificateRequest certificate(const std::string& file, const std::string& medium, const std::string& method,
                               std::optional<int> quantity = std::nullopt) {
  CertificateRequest c;
  c.file = file;
  c.batch_id = kBatch;
  c.medium = medium;
  c.method = method;
  c.tool = medium == "spoilage" ? "Shredder SX-900 (DIN 66399 P-4)" : "nwipe";
  c.tool_version = medium == "spoilage" ? "2023" : "0.34";
  c.verification = "full read-back";
  c.date = "2025-09-20";
  c.place = "contractor plant, Kumagaya";
  c.operator_name = "operator-17";
  c.witness = "witness-03";
  c.quantity = quantity;
  // The scanned form's QR code, as report::certificate_matcher() would read it.
  c.matcher = [](const std::string&) { return std::optional<FormCode>(FormCode{kBatch, sha256(manifest_bytes())}); };
  return c;
}

BatchStatus status_of(Ledger& l, const Actor& who, std::optional<Date> as_of = std::nullopt) {
  auto rep = l.reconcile({"", kBatch, as_of}, &who);
  REQUIRE_MESSAGE(rep.ok(), messages(rep.problems));
  REQUIRE(rep.value.batches.size() == 1);
  return rep.value.batches.front();
}

int audit_count(const Ledger& l, const std::string& command, const std::string& result_prefix) {
  int n = 0;
  for (const auto& r : l.audit_records())
    if (r.command == command && r.result.rfind(result_prefix, 0) == 0) ++n;
  return n;
}

}  // namespace

TEST_CASE("approve: after the recorded review of exactly that sheet, by an approver who did not make the run") {
  Office o;
  SealedRun run = sealed_run(o.tmp, o.staff.user);
  REQUIRE(o.l.reserve_run(o.staff, kRun, run.dir, true).ok());
  REQUIRE(messages(o.l.record_run(run.record, o.staff)) == "");
  CHECK(o.l.run(kRun)->batch_ids == std::vector<std::string>{kBatch});
  CHECK(o.l.slips(kRun) == run.record.slips);
  CHECK(has_errors(o.l.record_run(run.record, o.staff)));  // a run is recorded once
  const std::string sheet = sha256("review sheet of run " + kRun + "\n");
  const std::string older = sha256("an older sheet");
  // Another run, reviewed with a sheet of its own.
  const std::string other_sheet = sha256("review sheet of run R20250902\n");
  BatchRecord other_batch{"R20250902-B001", sha256("a2"), sha256("m2"), sha256("t2"), {{"R20250902-B001/000001", "360", 1, 1, 1, 0}}};
  REQUIRE(o.l.reserve_run(o.staff, "R20250902", "run2", true).ok());
  REQUIRE(messages(o.l.record_run({"R20250902", "sato", "2025-09-02T00:30:00Z", "2025-09", {other_batch}, {}, {}}, o.staff)) == "");
  REQUIRE(messages(o.l.record_review("R20250902", other_sheet, o.staff)) == "");

  struct Case {
    const char* name;
    std::function<void()> before;  // what the ledger records first
    std::string run_id, review;
    const Actor* who;
  };
  const Case refused[] = {
      {"no review recorded", [] {}, kRun, sheet, &o.approver},
      {"another run's review", [] {}, kRun, other_sheet, &o.approver},
      {"an unknown run", [] {}, "R20991231", sheet, &o.approver},
      {"another review digest", [&] { Office::must(o.l.record_review(kRun, older, o.staff), "review"); }, kRun, sheet,
       &o.approver},
      {"the staff member who made it", [&] { Office::must(o.l.record_review(kRun, sheet, o.staff), "review"); }, kRun,
       sheet, &o.staff},
      {"a supervisor", [] {}, kRun, sheet, &o.sup},
      {"a digest no review recorded, after one was", [] {}, kRun, sha256("edited sheet"), &o.approver},
      {"the superseded review", [] {}, kRun, older, &o.approver},
  };
  for (const auto& c : refused) {
    const std::string name = c.name;
    CAPTURE(name);
    c.before();
    const auto records = o.l.audit_records().size();
    auto r = o.l.approve(c.run_id, c.review, *c.who);
    CHECK_FALSE(r.ok());
    CHECK_FALSE(r.problems.empty());
    REQUIRE(o.l.audit_records().size() == records + 1);
    CHECK(o.l.audit_records().back().command == "approve");
    CHECK(o.l.audit_records().back().result.rfind("refused", 0) == 0);
  }
  CHECK_FALSE(status_of(o.l, o.staff).approved);

  // The release: both signatures verify against the city key, every batch's manifest is listed,
  // and its head is the approval record itself (so cutting the log back to before the approval fails
  // --expect-head), whose seq is its sequence.
  const Head before = o.l.head();
  auto rel = o.l.approve(kRun, sheet, o.approver);
  REQUIRE_MESSAGE(rel.ok(), messages(rel.problems));
  const release::Release& r = rel.value;
  CHECK(r.request.run_id == kRun);
  CHECK(r.request.created_at == run.record.created_at);
  CHECK(r.request.batches == std::vector<release::BatchDigest>{{kBatch, sha256(manifest_bytes())}});
  CHECK(r.approval.sequence == before.seq + 1);
  CHECK(r.approval.sequence == o.l.head().seq);
  CHECK(r.approval.audit_head == o.l.head().text());
  auto verified = release::verify(r, o.city.public_key(), "release.json");
  REQUIRE_MESSAGE(verified.ok(), messages(verified.problems));
  CHECK(verified.value.maker.name == "sato");
  CHECK(verified.value.approver.name == "suzuki");
  CHECK(release::find(r, kBatch)->manifest_sha256 == sha256(manifest_bytes()));
  // The same release does not hold against another city's key.
  CHECK_FALSE(release::verify(r, keys::SecretKey::generate(keys::Kind::city).public_key(), "release.json").ok());
  CHECK(status_of(o.l, o.staff).approved);

  // Approving again issues a new release that supersedes the old one.
  auto again = o.l.approve(kRun, sheet, o.approver);
  REQUIRE_MESSAGE(again.ok(), messages(again.problems));
  CHECK(again.value.approval.sequence > r.approval.sequence);
  CHECK(again.value.request.batches == r.request.batches);
  CHECK(release::verify(again.value, o.city.public_key(), "release.json").ok());
  CHECK(o.l.verify_audit({o.l.head(), o.city.public_key()}).value.ok());
}

TEST_CASE("an approver revoked between identify and approve releases nothing") {
  Office o;
  approved_run(o);  // the run is fine: approving it again would issue a superseding release
  const keys::SecretKey kimura_key = keys::SecretKey::generate(keys::Kind::user);
  Office::must(o.l.add_user(o.sup, o.city, "kimura", keys::Role::approver, kimura_key.public_key()), "add kimura");
  const Actor kimura = o.act(kimura_key, "approve", {keys::Role::approver});
  Office::must(o.l.revoke_user(o.sup, "kimura"), "revoke kimura");
  const std::string sheet = sha256("review sheet of run " + kRun + "\n");
  // A release.json would verify at the contractor (the certificate does not expire): the ledger must refuse.
  auto r = o.l.approve(kRun, sheet, kimura);
  CHECK_FALSE(r.ok());
  CHECK(o.l.audit_records().back().result.rfind("refused", 0) == 0);
  auto v = o.l.verify_audit();
  REQUIRE(v.ok());
  CHECK_MESSAGE(v.value.ok(), to_text(v.value));
}

TEST_CASE("custody of one batch from sealing to a closed reconciliation") {
  Office o;
  Ledger& l = o.l;
  const Actor& staff = o.staff;
  SealedRun run = sealed_run(o.tmp, staff.user);
  REQUIRE(l.reserve_run(staff, kRun, run.dir, true).ok());
  REQUIRE(messages(l.record_run(run.record, staff)) == "");
  const TempDir& tmp = o.tmp;

  SUBCASE("handover before approval is refused") {
    CHECK(messages(l.handover(kBatch, staff, "courier", "USB-0001")) ==
          ": error: batch R20250901-B001 is not approved: run `tsuchi approve RUN_DIR` first\n");
    CHECK(audit_count(l, "handover", "refused: not approved") == 1);
  }

  const std::string sheet = sha256("review sheet of run R20250901\nenvelopes 4\n");
  REQUIRE(messages(l.record_review(kRun, sheet, o.approver)) == "");  // any role reviews
  REQUIRE_MESSAGE(l.approve(kRun, sheet, o.approver).ok(), "approve");
  CHECK(status_of(l, staff).approved);

  REQUIRE(messages(l.handover(kBatch, staff, "courier", "USB-0001")) == "");
  o.clock.set("2025-09-30T01:00:00Z");  // the contractor's files come later

  // Receipt: a wrong archive hash is refused and nothing is stored; the right one is accepted.
  std::string wrong = tmp.write("receipt-wrong.csv", "batch_id,archive_sha256,received_at,received_by\n" + kBatch +
                                                         "," + sha256("something else") +
                                                         ",2025-09-02T10:00:00+09:00,contractor-desk-1\n");
  auto refused = l.import_receipt(wrong, staff);
  CHECK(messages(refused.problems) == wrong + ":2:2: error: archive_sha256 \"" + sha256("something else") +
                                          "\": does not match the sealed archive of batch R20250901-B001\n");
  CHECK_FALSE(status_of(l, staff).received);
  std::string right = tmp.write("receipt.csv", "batch_id,archive_sha256,received_at,received_by\n" + kBatch + "," +
                                                   sha256(archive_bytes()) +
                                                   ",2025-09-02T10:00:00+09:00,contractor-desk-1\n");
  auto received = l.import_receipt(right, staff);
  REQUIRE_MESSAGE(received.ok(), messages(received.problems));
  CHECK(received.value.batches == std::vector<std::string>{kBatch});
  CHECK(status_of(l, staff).received);

  // Work log with one envelope never mailed, one spoiled and reprinted.
  auto log = l.import_worklog(tmp.write("worklog.csv", worklog_with_gap()), staff);
  REQUIRE_MESSAGE(log.ok(), messages(log.problems));
  CHECK(log.value.rows == 9);

  // Returned mail for two envelopes; envelope 3's later row updates its follow-up to resent.
  auto ret = l.import_returns(tmp.write("returns.csv", "envelope_id,reason,at,action\n" + envelope(1) +
                                                           ",転居先不明,2025-09-10T11:00:00+09:00,\n" + envelope(3) +
                                                           ",受取拒絶,2025-09-10T11:05:00+09:00,open\n" + envelope(3) +
                                                           ",refused,2025-09-12T15:00:00+09:00,resent\n"),
                              staff);
  REQUIRE_MESSAGE(ret.ok(), messages(ret.problems));

  BatchStatus s = status_of(l, staff, Date{2025, 9, 15});
  CHECK(s.sealed == 4);
  CHECK(s.mailed == 3);
  CHECK(s.missing == std::vector<std::string>{envelope(4)});
  CHECK(s.returned == 2);
  CHECK(s.resent == 1);
  CHECK(s.open == 1);
  CHECK(s.open_returns == std::vector<std::string>{envelope(1)});
  CHECK(s.spoiled == 2);
  CHECK(s.destroyed == 0);
  CHECK(s.flags.empty());
  CHECK(s.media == std::vector<std::string>{"USB-0001", "spoilage"});
  CHECK(s.overdue.empty());
  CHECK_FALSE(s.certified);
  CHECK_FALSE(s.closed);

  // After certificate_due_days (30) from the handover, the missing certificates are overdue.
  s = status_of(l, staff, Date{2025, 10, 2});
  REQUIRE(s.overdue.size() == 2);
  CHECK(s.overdue[0].what == "certificate:USB-0001");
  CHECK(s.overdue[0].due == "2025-10-01");
  CHECK(s.overdue[1].what == "certificate:spoilage");

  // Certificates for the medium and for the spoiled paper: certified, but envelope 4 is still missing.
  std::string form = tmp.write("certificate.pdf", "%PDF-1.4 scanned certificate form of " + kBatch);
  REQUIRE(messages(l.import_certificate(certificate(form, "USB-0001", "Purge"), staff).problems) == "");
  REQUIRE(l.import_certificate(certificate(form, "spoilage", "Destroy", 1), staff).ok());  // one of two sheets
  s = status_of(l, staff);
  CHECK(s.certified);
  CHECK(s.destroyed == 1);
  CHECK(s.flags == std::vector<std::string>{"spoilage: 2 sheets spoiled in the work log, 1 certified destroyed"});
  CHECK_FALSE(s.closed);

  // The contractor's corrected completion report mails envelope 4; the second sheet's destruction follows.
  // A corrected file replaces the earlier one only when it names it.
  const std::string log2 = tmp.write("worklog-2.csv", worklog_with_gap() + row(4, "mailed", 2, "2025-09-05T09:00:00+09:00"));
  CHECK(messages(l.import_worklog(log2, staff).problems) ==
        ": error: batch R20250901-B001 already has a worklog (sha256 " + log.value.file_sha256 +
            "): a corrected file replaces it only with --supersede " + log.value.file_sha256 + "\n");
  auto corrected = l.import_worklog(log2, staff, log.value.file_sha256);
  REQUIRE_MESSAGE(corrected.ok(), messages(corrected.problems));
  CHECK_FALSE(status_of(l, staff).closed);
  // The same spoilage certificate again changes nothing; the corrected one (both sheets) supersedes it.
  auto again = l.import_certificate(certificate(form, "spoilage", "Destroy", 1), staff);
  REQUIRE(again.ok());
  CHECK(again.value.already_imported);
  CHECK(status_of(l, staff).destroyed == 1);
  std::string form2 = tmp.write("certificate-2.pdf", "%PDF-1.4 corrected certificate form of " + kBatch);
  CHECK_FALSE(l.import_certificate(certificate(form2, "spoilage", "Destroy", 2), staff).ok());
  auto second = certificate(form2, "spoilage", "Destroy", 2);
  second.supersedes = sha256(read_bytes(form));
  REQUIRE(l.import_certificate(second, staff).ok());
  s = status_of(l, staff);
  CHECK(s.missing.empty());
  CHECK(s.destroyed == 2);
  CHECK(s.flags.empty());
  CHECK(s.overdue.empty());
  CHECK(s.closed);

  // Every step left one audit record, and the chain holds.
  auto report = l.verify_audit({l.head(), o.city.public_key()});
  REQUIRE(report.ok());
  CHECK_MESSAGE(report.value.ok(), to_text(report.value));
  CHECK(audit_count(l, "import receipt", "refused: ") == 1);
  CHECK(audit_count(l, "import worklog", "ok") == 2);
  CHECK(audit_count(l, "import certificate", "ok") == 4);  // one of them the no-op
  CHECK(audit_count(l, "import certificate", "ok: already imported") == 1);
}

TEST_CASE("a batch closes when every count agrees and every medium is certified") {
  Office o;
  Ledger& l = o.l;
  const Actor& staff = o.staff;
  const TempDir& tmp = o.tmp;
  approved_run(o);
  REQUIRE(messages(l.handover(kBatch, staff, "sftp", "")) == "");
  o.clock.set("2025-09-30T01:00:00Z");
  REQUIRE(l.import_receipt(tmp.write("r.csv", "batch_id,archive_sha256,received_at,received_by\n" + kBatch + "," +
                                                  sha256(archive_bytes()) + ",2025-09-02T10:00:00Z,desk\n"),
                           staff)
              .ok());
  std::string log = worklog_header();
  for (int i = 1; i <= 4; ++i) log += row(i, "mailed", 2, "2025-09-04T09:00:00+09:00");
  log += kBatch + ",TOTAL,mailed,8,2025-09-04T18:00:00+09:00\n";
  auto imported = l.import_worklog(tmp.write("w.csv", log), staff);
  REQUIRE_MESSAGE(imported.ok(), messages(imported.problems));
  CHECK(imported.problems.empty());
  auto ret = l.import_returns(tmp.write("ret.csv", "envelope_id,reason,at,action\n" + envelope(2) +
                                                       ",あて所に尋ねあたりません,2025-09-09T10:00:00+09:00,open\n"),
                              staff);
  REQUIRE(ret.ok());

  BatchStatus s = status_of(l, staff);
  CHECK(s.media == std::vector<std::string>{"archive"});
  CHECK_FALSE(s.closed);
  REQUIRE(l.import_certificate(certificate(tmp.write("c.pdf", "%PDF form"), "archive", "Purge"), staff).ok());
  s = status_of(l, staff);
  CHECK(s.certified);
  CHECK(s.closed);  // an open return is the office's follow-up, not the contractor's custody
  CHECK(s.open_returns == std::vector<std::string>{envelope(2)});

  // The JSON report has the shape SPEC §12 fixes.
  const Head head = l.head();
  auto rep = l.reconcile({"2025-09", "", Date{2025, 9, 30}}, &staff);
  REQUIRE(rep.ok());
  CHECK(rep.value.head == head);                // the head it was made at, before its own record
  CHECK(l.audit_records().back().command == "reconcile");
  CHECK(l.head().seq == head.seq + 1);
  auto j = nlohmann::json::parse(to_json(rep.value));
  REQUIRE(j["batches"].size() == 1);
  auto& b = j["batches"][0];
  CHECK(b["batch_id"] == kBatch);
  CHECK(b["sealed"] == 4);
  CHECK(b["mailed"] == 4);
  CHECK(b["returned"] == 1);
  CHECK(b["spoiled"] == 0);
  CHECK(b["missing"] == nlohmann::json::array());
  CHECK(b["open_returns"] == nlohmann::json::array({envelope(2)}));
  CHECK(b["certified"] == true);
  CHECK(b["closed"] == true);
  CHECK(j["months"][0]["month"] == "2025-09");
  CHECK(j["months"][0]["closed"] == 1);
  // CSV (UTF-8 with a BOM, CRLF, the month kept as text in Excel): the counts, one row per batch, and
  // the lists beside them one item a row.
  auto tables = to_csv(rep.value, "t.csv", "t-lists.csv");
  REQUIRE(tables.ok());
  const std::string& csv = tables.value.batches;
  CHECK(csv.rfind("\xEF\xBB\xBF" "batch_id,run_id,month,sealed,mailed,returned,", 0) == 0);
  CHECK(csv.find("\r\n" + kBatch + ",R20250901,\"=\"\"2025-09\"\"\",4,4,1,0,0,0,1,0,0,0,0,0,false,1,0,true,") !=
        std::string::npos);
  CHECK(csv.find(envelope(2)) == std::string::npos);  // no id in the table of counts
  CHECK(tables.value.lists == "\xEF\xBB\xBF" "batch_id,list,item,due\r\n" + kBatch + ",open_returns," + envelope(2) +
                                  ",\r\n" + kBatch + ",media,archive,\r\n" + kBatch + ",certified_media,archive,\r\n");
  CHECK(to_text(rep.value).find("batch R20250901-B001 (run R20250901, month 2025-09): CLOSED") != std::string::npos);
}
