// The review sheet (SPEC §8) on a real ledger: counts, billed totals per month, changes against
// the previous run of the same month, anomalies; its text is what approve then accepts.
#include <doctest/doctest.h>

#include "support.hpp"

using namespace tsuchi::report;
using V = std::vector<std::string>;

TEST_CASE("schedule amounts: every bracket × care need × child order, with and without the side-dish fee") {
  const auto fees = example_fees();
  struct Row {
    const char* month;
    Yen amount;
    bool allowed;
    const char* why;
  };
  const Row table[] = {
      {"2024-10", 30000, true, "D4 standard, first child"},
      {"2024-10", 15000, true, "D4 standard × 0.5"},
      {"2024-10", 14800, true, "D4 short × 0.5"},
      {"2024-10", 9750, true, "D1 standard × 0.5"},
      {"2024-10", 0, true, "third child: factor 0"},
      {"2024-10", 4500, true, "side dish alone (type 1/2)"},
      {"2024-10", 34500, true, "D4 standard + side dish"},
      {"2024-10", 4800, false, "the 2025-04 side-dish fee, a month too early"},
      {"2024-10", 12345, false, "no bracket gives it"},
      {"2025-04", 30000, false, "D4 became 0 from 2025-04"},
      {"2025-09", 4800, true, "side dish of the 2025-04 schedule"},
      {"2025-09", 58000, true, "D9 standard"},
      {"2025-09", 28500, true, "D9 short × 0.5"},
      {"2025-09", 62800, true, "D9 standard + side dish"},
      {"2025-09", 4500, false, "the old side-dish fee"},
  };
  for (const auto& r : table) {
    CAPTURE(r.why);
    auto allowed = schedule_amounts(fees, *parse_year_month(r.month));
    CHECK(std::binary_search(allowed.begin(), allowed.end(), r.amount) == r.allowed);
  }
  CHECK(schedule_amounts(fees, {2024, 3}).empty());  // before every schedule

  // A factor of 0.7 is exact (28,700, not 28,699), and reduced amounts round down to `rounding`.
  auto custom = parse_fees(
      "[[schedule]]\neffective_from = \"2024-04\"\nrounding = 100\nchild_order_factor = [1.0, 0.7]\n"
      "side_dish_monthly = 0\n[[schedule.bracket]]\ncode = \"X\"\nlabel = \"x\"\nstandard = 41000\nshort = 29990\n",
      "custom.toml");
  REQUIRE(custom.ok());
  CHECK(schedule_amounts(custom.value, {2024, 4}) == std::vector<Yen>{0, 20900, 28700, 29990, 41000});
}

namespace {

// The previous run of 2025-09, a run of another month made after it, and the run under review.
struct ThreeRuns : Office {
  std::string dir;
  ThreeRuns() {
    RunBuilder a("R20250901", "tanaka", "2025-09-01T00:30:00Z", "2025-09");
    a.notice(1, "C001").slip(1, "C001", "2025-09", 58000).slip(1, "C001", "2025-10", 58000);
    a.notice(2, "C002").slip(2, "C002", "2025-09", 4800);
    a.notice(3, "C003").slip(3, "C003", "2025-09", 29000);
    a.notice(4, "C004").slip(4, "C004", "2025-09", 57000);
    a.seal(tmp);
    record(*this, a.rec);

    RunBuilder other("R20250915", "tanaka", "2025-09-15T00:30:00Z", "2025-10");
    other.notice(1, "C001").slip(1, "C001", "2025-10", 1000);
    other.seal(tmp);
    record(*this, other.rec);

    RunBuilder b("R20250920", "kato", "2025-09-20T00:30:00Z", "2025-09");
    b.notice(1, "C001", "change").slip(1, "C001", "2025-09", 29000).slip(1, "C001", "2025-10", 29000);
    b.notice(2, "C002").slip(2, "C002", "2025-09", 4800);
    b.notice(3, "C004", "change").slip(3, "C004", "2025-09", 57000).slip(3, "C004", "2025-10", 57000);
    b.notice(4, "C005").slip(4, "C005", "2025-09", 4800, false);  // account transfer: no slip due
    b.notice(5, "C006").slip(5, "C006", "2025-09", 28500);
    b.slip(6, "C006", "2025-09", 28500);  // the same month again, in another envelope
    b.notice(7, "C007").slip(7, "C007", "2025-09", 12345);
    b.notice(8, "C008").slip(8, "C008", "2024-03", 4500);
    dir = b.seal(tmp);
    record(*this, b.rec);
  }
};

}  // namespace

TEST_CASE("review sheet: counts, totals per month, changes against the same month's run, anomalies") {
  ThreeRuns t;
  const auto fees = example_fees();
  auto r = review_sheet(t.l, "R20250920", {&fees, "sato", "2025-09-21T00:00:00Z"});
  REQUIRE_MESSAGE(r.ok(), messages(r.problems));
  const ReviewSheet& s = r.value;

  CHECK(s.maker == "kato");
  CHECK(s.month == "2025-09");
  CHECK(s.decision_notices == 5);
  CHECK(s.change_notices == 2);
  CHECK(s.envelopes() == 8);
  CHECK(s.slips() == 10);
  CHECK(s.billed_total() == 255445);
  REQUIRE(s.billed.size() == 3);
  CHECK(s.billed[0].month == "2024-03");
  CHECK(s.billed[1].amount == 29000 + 4800 + 57000 + 4800 + 2 * 28500 + 12345);
  CHECK(s.billed[1].envelopes == 7);
  CHECK(s.billed[2].amount == 86000);

  // The run of 2025-10 made in between is not "the previous run of the same month".
  REQUIRE(s.previous);
  CHECK(s.previous->run_id == "R20250901");
  CHECK(s.previous->same_month);
  CHECK(s.previous->new_cases == V{"C005", "C006", "C007", "C008"});
  CHECK(s.previous->dropped_cases == V{"C003"});
  REQUIRE(s.previous->changes.size() == 3);
  CHECK(s.previous->changes[0].case_id == "C004");
  CHECK(s.previous->changes[0].delta() == 57000);

  const std::string text = to_text(s);
  CAPTURE(text);
  // Largest change first; a month billed in one run only counts as 0 in the other.
  const auto changes = section(text, "前回の実行との比較");
  CHECK(rows(changes, "C0") ==
        std::vector<V>{{"C004", "2025-10", "0", "57,000", "+57,000"},
                       {"C001", "2025-09", "58,000", "29,000", "-29,000"},
                       {"C001", "2025-10", "58,000", "29,000", "-29,000"}});
  CHECK(rows(changes, "新規：") == std::vector<V>{{"新規：C005,", "C006,", "C007,", "C008"}});
  CHECK(rows(changes, "なくなった：") == std::vector<V>{{"なくなった：C003"}});
  // R20250901 billed 58,000 × 2 + 4,800 + 29,000 + 57,000 = 206,800.
  CHECK(rows(changes, "R20250901") == std::vector<V>{{"R20250901", "の請求額合計（円）", "206,800"}});
  CHECK(rows(changes, "差額") == std::vector<V>{{"差額（円）", "+48,645"}});
  CHECK(rows(section(text, "期別の請求額"), "20") ==
        std::vector<V>{{"2024-03", "1", "1", "4,500"}, {"2025-09", "7", "7", "164,945"}, {"2025-10", "2", "2", "86,000"}});
  CHECK(rows(section(text, "期別の請求額"), "合計") == std::vector<V>{{"合計", "8", "10", "255,445"}});
  CHECK(rows(section(text, "件数"), "決定通知書") == std::vector<V>{{"決定通知書", "5"}});
  CHECK(rows(section(text, "件数"), "変更通知書") == std::vector<V>{{"変更通知書", "2"}});

  const auto anomalies = section(text, "要確認事項（4 件）");
  CHECK(rows(anomalies, "口座振替") ==
        std::vector<V>{{"口座振替の納付書", "C005", "2025-09", "4,800", "R20250920-B001/000004"}});
  CHECK(rows(anomalies, "同一") == std::vector<V>{{"同一認定番号・月の納付書が重複", "C006", "2025-09", "28,500", "+",
                                                   "28,500", "R20250920-B001/000005,", "R20250920-B001/000006"}});
  CHECK(rows(anomalies, "料金表にない金額") ==
        std::vector<V>{{"料金表にない金額", "C007", "2025-09", "12,345", "2025-04", "料金表にない金額"},
                       {"料金表にない金額", "C008", "2024-03", "4,500", "適用される料金表なし"}});
  CHECK(rows(anomalies, "金額は") == std::vector<V>{{"金額は各期別の月に適用される料金表で確認済み"}});
}

TEST_CASE("review sheet without a fee schedule: only amounts of 0 yen are flagged, and it says so") {
  ThreeRuns t;
  RunBuilder z("R20250925", "kato", "2025-09-25T00:30:00Z", "2025-09");
  z.notice(1, "C001").slip(1, "C001", "2025-09", 0).slip(1, "C001", "2025-10", 12345);
  z.seal(t.tmp);
  record(t, z.rec);
  auto r = review_sheet(t.l, "R20250925", {nullptr, "sato", "2025-09-26T00:00:00Z"});
  REQUIRE(r.ok());
  CHECK(r.value.previous->run_id == "R20250920");
  const std::string text = to_text(r.value);
  CAPTURE(text);
  const auto anomalies = section(text, "要確認事項（1 件）");
  CHECK(rows(anomalies, "料金表にない金額") == std::vector<V>{{"料金表にない金額", "C001", "2025-09", "0", "0円以下"}});
  CHECK(rows(anomalies, "金額を") == std::vector<V>{{"金額を料金表で確認していません：--fees", "F", "を指定してください"}});
}

TEST_CASE("review sheet of the first run, of another month's run, and of an unknown run") {
  Office o;
  Ledger& l = o.l;
  const TempDir& tmp = o.tmp;
  RunBuilder first("R20250801", "tanaka", "2025-08-01T00:30:00Z", "2025-08");
  first.notice(1, "C001").slip(1, "C001", "2025-08", 30000);
  first.seal(tmp);
  record(o, first.rec);
  auto s = review_sheet(l, "R20250801", {});
  REQUIRE(s.ok());
  CHECK_FALSE(s.value.previous);
  CHECK(section(to_text(s.value), "前回の実行との比較") == V{"  台帳に前回の実行がないため、比較はありません"});
  CHECK(section(to_text(s.value), "要確認事項（0 件）") ==
        V{"  なし", "  金額を料金表で確認していません：--fees F を指定してください"});

  // No run of September before it: compared with the last run before it, and it says so.
  RunBuilder next("R20250901", "tanaka", "2025-09-01T00:30:00Z", "2025-09");
  next.notice(1, "C001").slip(1, "C001", "2025-09", 30000);
  next.seal(tmp);
  record(o, next.rec);
  s = review_sheet(l, "R20250901", {});
  REQUIRE(s.ok());
  CHECK(s.value.previous->run_id == "R20250801");
  CHECK_FALSE(s.value.previous->same_month);
  CHECK(section(to_text(s.value), "前回の実行との比較")[0] ==
        "  比較対象：実行 R20250801（2025-08-01T00:30:00Z tanaka 実行、対象月 2025-08）　2025-09 の前回の実行がないため、"
        "直前の実行");
  CHECK(s.value.previous->changes.size() == 2);  // C001 billed 2025-08 before, 2025-09 now: both differ from 0

  auto unknown = review_sheet(l, "R19990101", {});
  CHECK(messages(unknown.problems) == o.path() + ": error: run R19990101 is not in the ledger\n");
}

TEST_CASE("the sheet lists the 20 largest changes and the first 20 new cases, and says how many more") {
  Office o;
  Ledger& l = o.l;
  const TempDir& tmp = o.tmp;
  RunBuilder a("R1", "tanaka", "2025-09-01T00:00:00Z", "2025-09"), b("R2", "tanaka", "2025-09-02T00:00:00Z", "2025-09");
  for (int i = 1; i <= 25; ++i) {
    char id[8];
    std::snprintf(id, sizeof id, "K%02d", i);
    a.notice(i, id).slip(i, id, "2025-09", 10000);
    b.notice(i, id).slip(i, id, "2025-09", 10000 + i * 100);  // K25 changed most
    std::snprintf(id, sizeof id, "N%02d", i);
    b.notice(100 + i, id);
  }
  a.seal(tmp);
  b.seal(tmp);
  record(o, a.rec);
  record(o, b.rec);
  const std::string text = to_text(review_sheet(l, "R2", {}).value);
  CAPTURE(text);
  const auto changes = rows(section(text, "前回の実行との比較"), "K");
  REQUIRE(changes.size() == 20);
  CHECK(changes.front() == V{"K25", "2025-09", "10,000", "12,500", "+2,500"});
  CHECK(changes.back() == V{"K06", "2025-09", "10,000", "10,600", "+600"});
  CHECK(rows(section(text, "前回の実行との比較"), "増減の大きい順") ==
        std::vector<V>{{"増減の大きい順（全", "25", "件中", "上位", "20", "件）"}});
  const auto new_cases = rows(section(text, "前回の実行との比較"), "新規：");
  REQUIRE(new_cases.size() == 1);
  CHECK(new_cases[0][0] == "新規：N01,");
  CHECK(V(new_cases[0].end() - 5, new_cases[0].end()) == V{"N20", "…", "ほか", "5", "件"});
}

TEST_CASE("review.pdf holds the sheet's ids and amounts, and the text sheet is what approve accepts") {
  ThreeRuns t;
  const auto fees = example_fees();
  auto r = review_sheet(t.l, "R20250920", {&fees, "sato", "2025-09-21T00:00:00Z"});
  REQUIRE(r.ok());
  auto pdf = review_pdf(r.value, engine());
  REQUIRE_MESSAGE(pdf.ok(), messages(pdf.problems));
  const std::string text = pdf_text(pdf.value);
  CAPTURE(text);
  // The sheet carries the audit head it was made at, on paper as in text.
  CHECK(r.value.head == t.l.head());
  CHECK(rows(section(to_text(r.value), "実行"), "監査ログ先頭") == std::vector<V>{{"監査ログ先頭", t.l.head().text()}});
  CHECK(text.find(t.l.head().text()) != std::string::npos);
  for (const char* want : {"R20250920", "kato", "C004", "+57,000", "-29,000", "C003", "12,345", "28,500",
                           "R20250920-B001/000006", "255,445", "164,945", "口座振替", "2025-04 料金表にない金額",
                           "審査票", "要確認事項（4 件）", "作成者", "確認者", "承認者"})
    CHECK_MESSAGE(text.find(want) != std::string::npos, want);

  // approve insists on exactly the sheet `tsuchi review` recorded.
  const std::string sheet = to_text(r.value);
  REQUIRE(messages(t.l.record_review("R20250920", sha256(sheet), t.staff)) == "");
  CHECK_FALSE(t.l.approve("R20250920", sha256(sheet + "edited\n"), t.approver).ok());
  CHECK(t.l.approve("R20250920", sha256(sheet), t.approver).ok());
}

TEST_CASE("a long sheet breaks onto more pages, with every row kept") {
  Office o;
  Ledger& l = o.l;
  const TempDir& tmp = o.tmp;
  RunBuilder a("R3", "tanaka", "2025-09-01T00:00:00Z", "2025-09");
  for (int i = 1; i <= 120; ++i) {
    const std::string id = "T" + std::to_string(1000 + i);
    a.notice(i, id).slip(i, id, "2025-09", 4800, false);  // 120 account-transfer anomalies
  }
  a.seal(tmp);
  record(o, a.rec);
  auto s = review_sheet(l, "R3", {});
  REQUIRE(s.value.anomalies.size() == 120);
  auto pdf = review_pdf(s.value, engine());
  REQUIRE(pdf.ok());
  CHECK(pdf_pages(pdf.value) >= 3);
  const std::string text = pdf_text(pdf.value);
  for (int i = 1; i <= 120; ++i) CHECK(text.find("T" + std::to_string(1000 + i)) != std::string::npos);
}

TEST_CASE("review sheet: sheets and grams per envelope against the pinned limits, and split mailings") {
  Office o;  // pins examples/municipality.toml: 8 sheets, 50 g, 6 g + 4 g a sheet
  RunBuilder b("R20250930", "tanaka", "2025-09-30T00:30:00Z", "2025-09");
  b.seal(o.tmp);
  const std::string B = b.batch_id();
  // One household split into -1 (8 sheets), -2 (8) and -3 (3), and a household that went whole (2).
  b.rec.batches[0].envelopes = {{B + "/000001-1", "360", 8, 8, 3, 5}, {B + "/000001-2", "360", 8, 8, 0, 7},
                                {B + "/000001-3", "360", 3, 3, 0, 2}, {B + "/000002", "360", 2, 2, 1, 1}};
  b.rec.notices = {{B + "/000001-1", "C1", "decision"}, {B + "/000002", "C2", "decision"}};
  b.rec.slips = {{B + "/000001-3", "C1", "2025-09", 58000, true}, {B + "/000002", "C2", "2025-09", 58000, true}};
  record(o, b.rec);
  auto r = review_sheet(o.l, "R20250930", {nullptr, "sato", "2025-10-01T00:00:00Z"});
  REQUIRE_MESSAGE(r.ok(), messages(r.problems));
  const auto& m = r.value.mailing;
  CHECK(m.limits_known);
  CHECK(m.heaviest_sheets() == 8);
  CHECK(m.split_mailings == 1);
  CHECK(m.split_envelopes == 3);
  CHECK(m.over_limit() == 0);
  CHECK(m.by_sheets == std::map<int, int>{{2, 1}, {3, 1}, {8, 2}});
  const auto mailing = section(to_text(r.value), "封筒の重量");
  CHECK(rows(mailing, "1通") == std::vector<V>{{"1通あたりの上限", "8", "枚・50.0", "g"}});
  CHECK(rows(mailing, "最も重い") == std::vector<V>{{"最も重い封筒", "8", "枚・38.0", "g"}});
  CHECK(rows(mailing, "分割") == std::vector<V>{{"分割発送の世帯", "1"}, {"分割発送の封筒", "3"}});
  CHECK(rows(mailing, "上限") == std::vector<V>{{"上限を超える封筒", "0"}});
}

TEST_CASE("the ledger takes a split mailing's part ids and refuses ids of another shape") {
  const struct {
    const char* suffix;
    bool ok;
  } rows[] = {{"/000001", true}, {"/000001-1", true}, {"/000001-12", true}, {"/000001-0", false},
              {"/000001-", false}, {"/00001-1", false}, {"/000001-1/2", false}, {"/000001-x", false}};
  for (const auto& row : rows) {
    const std::string suffix = row.suffix;
    CAPTURE(suffix);
    Office o;
    RunBuilder b("R20250930", "tanaka", "2025-09-30T00:30:00Z", "2025-09");
    b.seal(o.tmp);
    b.rec.batches[0].envelopes = {{b.batch_id() + suffix, "360", 1, 1, 0, 0}};
    REQUIRE(o.l.reserve_run(o.maker("tanaka"), b.rec.run_id, "out", true).ok());
    const std::string why = messages(o.l.record_run(b.rec, o.maker("tanaka")));
    CHECK(why.empty() == row.ok);
    if (!row.ok) CHECK(why.find("envelope id") != std::string::npos);
  }
}
