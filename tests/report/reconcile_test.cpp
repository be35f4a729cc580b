// The reconcile report as a PDF (SPEC §9 `--pdf`): the per-batch table, then exactly the missing
// and open-return envelope ids the ledger derived.
#include <doctest/doctest.h>

#include "support.hpp"

using namespace tsuchi::report;

TEST_CASE("reconcile PDF: the batch table and the lists of missing and open-return envelopes") {
  Office o;
  Ledger& l = o.l;
  const TempDir& tmp = o.tmp;
  const Actor& staff = o.staff;
  RunBuilder b("R20250901", "sato", "2025-09-01T00:30:00Z", "2025-09");
  b.notice(1, "C001").slip(1, "C001", "2025-09", 30000);
  b.notice(2, "C002").slip(2, "C002", "2025-09", 30000);
  b.notice(3, "C003").slip(3, "C003", "2025-09", 30000);
  b.notice(4, "C004");
  b.seal(tmp);
  record(o, b.rec);
  REQUIRE(messages(l.record_review("R20250901", sha256("review of run R20250901\n"), staff)) == "");
  REQUIRE_MESSAGE(l.approve("R20250901", sha256("review of run R20250901\n"), o.approver).ok(), "approve");
  REQUIRE(messages(l.handover(b.batch_id(), staff, "courier", "USB-7")) == "");
  o.clock.set("2025-09-30T01:00:00Z");  // the contractor's files come after the handover

  // Envelope 3 never reported mailed; envelopes 1 and 2 come back, 2 is resent.
  std::string log = "batch_id,envelope_id,status,sheets,at\n";
  for (int e : {1, 2, 3, 4}) {
    const int sheets = e == 4 ? 1 : 2;
    log += b.batch_id() + "," + b.env(e) + ",inserted," + std::to_string(sheets) + ",2025-09-03T10:00:00+09:00\n";
    if (e != 3) log += b.batch_id() + "," + b.env(e) + ",mailed," + std::to_string(sheets) + ",2025-09-04T10:00:00+09:00\n";
  }
  REQUIRE(l.import_worklog(tmp.write("worklog.csv", log), staff).ok());
  REQUIRE(l.import_returns(tmp.write("returns.csv", "envelope_id,reason,at,action\n" + b.env(1) +
                                                        ",転居先不明,2025-09-10T11:00:00+09:00,open\n" + b.env(2) +
                                                        ",受取拒絶,2025-09-10T11:00:00+09:00,resent\n"),
                           staff)
              .ok());
  const Head head = l.head();
  auto rep = l.reconcile({"", "", parse_date("2025-09-15")}, &staff);
  REQUIRE(rep.ok());
  REQUIRE(rep.value.head == head);

  auto pdf = reconcile_pdf(rep.value, engine(), "2025-09-15T01:00:00Z");
  REQUIRE_MESSAGE(pdf.ok(), messages(pdf.problems));
  const std::string text = pdf_text(pdf.value);
  CAPTURE(text);
  std::istringstream in(text);
  std::vector<std::vector<std::string>> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(words(line));
  auto starting = [&](const std::string& first) {
    std::vector<std::vector<std::string>> out;
    for (const auto& w : lines)
      if (!w.empty() && w[0] == first) out.push_back(w);
    return out;
  };
  // sealed, mailed, returned, spoiled, destroyed, missing, not handed over, open returns, certified, closed
  CHECK(starting(b.batch_id()).front() ==
        std::vector<std::string>{b.batch_id(), "2025-09", "4", "3", "2", "0", "0", "1", "0", "1", "未", "未"});
  // The summary: one row per term, its count and unit.
  int overdue = 0;
  for (const auto& x : rep.value.batches) overdue += static_cast<int>(x.overdue.size());
  const std::vector<std::vector<std::string>> summary = {{"承認", "1", "バッチ"}, {"封入", "4", "通"}, {"発送", "3", "通"},
                                                         {"返戻", "2", "通"},   {"損紙", "0", "枚"}, {"廃棄", "0", "枚"},
                                                         {"未着", "1", "通"},   {"期限超過", std::to_string(overdue), "件"}};
  for (const auto& want : summary) {
    CAPTURE(want[0]);
    const auto found = starting(want[0]);  // the summary comes first; 発送 also starts the note under the batches
    REQUIRE((!found.empty() && found[0].size() >= 3));
    CHECK(std::vector<std::string>(found[0].begin(), found[0].begin() + 3) == want);
  }
  // Each list names exactly its envelope, once, in its own section.
  const auto missing_at = text.find("未着の封筒"), open_at = text.find("返戻対応中の封筒"),
             flags_at = text.find("期限超過・要確認事項");
  REQUIRE((missing_at != std::string::npos && open_at != std::string::npos && flags_at != std::string::npos));
  const std::string missing = text.substr(missing_at, open_at - missing_at), open = text.substr(open_at, flags_at - open_at);
  CHECK(missing.find(b.env(3)) != std::string::npos);
  CHECK(open.find(b.env(1)) != std::string::npos);
  for (int e : {1, 2, 4}) CHECK(missing.find(b.env(e)) == std::string::npos);
  for (int e : {2, 3, 4}) CHECK(open.find(b.env(e)) == std::string::npos);
  CHECK(text.find("USB-7（未）") != std::string::npos);
  // The head the report was made at, so an auditor can check it against the ledger they hold.
  CHECK(text.find(head.text()) != std::string::npos);
}
