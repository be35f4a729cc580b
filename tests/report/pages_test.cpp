// The documents a person files or signs, read back with Poppler: Japanese terms as real labels,
// page numbers, the sign-off box with the audit head, and where lines land when pages break.
#include <doctest/doctest.h>

#include <functional>

#include "support.hpp"

using namespace tsuchi::report;

namespace {

std::string trim(const std::string& s) {
  const auto a = s.find_first_not_of(' ');
  return a == std::string::npos ? "" : s.substr(a, s.find_last_not_of(' ') - a + 1);
}
bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// What a clerk checks on every page of a document: "i / n", no heading or table header at the foot
// of a page without two of its lines, no single line of a section carried over alone, and the
// sign-off box after at least two lines of content.
struct Layout {
  std::vector<std::string> headings;  // a section heading: exactly this, or this + "（…"
  std::vector<std::string> headers;   // first words of table header lines (repeated on continued pages)
  std::string footer;                 // in the page footer

  bool heading(const std::string& l) const {
    for (const auto& h : headings)
      if (trim(l) == h || trim(l).rfind(h + "（", 0) == 0) return true;
    return false;
  }
  bool header(const std::string& l) const {
    const auto w = words(l);
    return !w.empty() && std::find(headers.begin(), headers.end(), w[0]) != headers.end();
  }

  // Returns a description of every rule a page breaks ("" when none), for CHECK and CAPTURE.
  std::string faults(const std::string& pdf) const { return faults(pdf_page_lines(pdf)); }
  std::string faults(const std::vector<std::vector<std::string>>& pages) const {
    const std::size_t n = pages.size();
    std::string out;
    std::vector<std::vector<std::string>> content(n);
    std::vector<int> carried(n, 0);  // lines before the first heading, table headers not counted
    int sign_offs = 0;
    for (std::size_t p = 0; p < n; ++p) {
      const std::string page = "page " + std::to_string(p + 1) + ": ";
      bool numbered = false;
      for (const auto& l : pages[p]) {
        if (has(l, footer)) {
          std::string squeezed = l;  // Poppler may drop the spaces around the slash
          squeezed.erase(std::remove(squeezed.begin(), squeezed.end(), ' '), squeezed.end());
          numbered = numbered || has(squeezed, std::to_string(p + 1) + "/" + std::to_string(n));
          continue;
        }
        content[p].push_back(l);
      }
      if (!numbered) out += page + "no page number\n";
      // The sign-off box: the head line, then the row of 作成者 / 確認者 / 承認者.
      for (std::size_t i = 1; i < content[p].size(); ++i)
        if (has(content[p][i], "確認者") && has(content[p][i], "承認者") && has(content[p][i - 1], "監査ログ先頭")) {
          ++sign_offs;
          if (i - 1 < 2) out += page + "the sign-off box without two lines above it\n";
          if (!has(content[p][i + 1 < content[p].size() ? i + 1 : i], "印")) out += page + "no 印 cells\n";
          content[p].resize(i - 1);
          break;
        }
      for (const auto& l : content[p]) {
        if (heading(l)) break;
        if (!header(l)) ++carried[p];
      }
      if (p > 0 && carried[p] == 1) out += page + "one line carried over alone: " + content[p].front() + "\n";
    }
    if (sign_offs != 1) out += "sign-off boxes: " + std::to_string(sign_offs) + "\n";
    // Each heading and each table header: two lines after it on its page, unless what it heads ends there.
    for (std::size_t p = 0; p < n; ++p) {
      const auto& c = content[p];
      for (std::size_t i = 0; i < c.size(); ++i) {
        if (!heading(c[i]) && !(header(c[i]) && (i == 0 || !header(c[i - 1])))) continue;
        std::size_t lines = 0, j = i + 1;
        for (; j < c.size() && !heading(c[j]); ++j)
          if (header(c[j])) {
            if (heading(c[i]) || !header(c[j - 1])) break;  // a heading's count runs to its first table
          } else {
            ++lines;
          }
        const bool page_end = j == c.size();
        const bool next_fresh = p + 1 == n || carried[p + 1] == 0;
        if (page_end && (lines == 0 || (lines == 1 && !next_fresh)))
          out += "page " + std::to_string(p + 1) + ": \"" + trim(c[i]) + "\" ends the page with " +
                 std::to_string(lines) + " line(s)\n";
      }
    }
    return out;
  }
};

const Layout kReconcile{{"台帳", "集計", "バッチ別", "対象月別", "取り消した実行", "手続の状況", "未着の封筒",
                         "返戻対応中の封筒", "期限超過・要確認事項"},
                        {"バッチID", "対象月", "封筒ID", "区分", "inserted", "取り消した実行（合計に含めない）"},
                        "照合報告書 —"};
const Layout kReview{{"実行", "件数", "封筒の重量", "期別の請求額", "前回の実行との比較", "要確認事項", "入力の警告"},
                     {"バッチID", "枚数", "期別（月）", "認定番号", "内容"},
                     "審査票 —"};

std::string hex(int seed) {
  std::string h;
  for (int i = 0; i < 64; ++i) h += "0123456789abcdef"[(seed * 7 + i * 13) % 16];
  return h;
}

// A reconcile report of `batches` batches; batch i has i % 3 missing envelopes and, every fifth, an
// overdue step; every tenth report also lists a voided run.
ReconcileReport reconcile_of(int batches, int missing_extra = 0) {
  ReconcileReport r;
  r.as_of = "2025-10-15";
  r.head = {4000 + batches, hex(batches)};
  MonthStatus m{"2025-09"};
  for (int i = 1; i <= batches; ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "R20250901-B%03d", i);
    BatchStatus b;
    b.batch_id = id;
    b.run_id = "R20250901";
    b.month = "2025-09";
    b.sealed = 120;
    b.mailed = 118;
    b.returned = 2;
    b.open = 1;
    b.open_returns = {std::string(id) + "/000007"};
    b.approved = b.handed = b.received = b.worklog = true;
    b.media = {"archive", "USB-" + std::to_string(i)};
    b.certified_media = {"archive"};
    for (int k = 0; k < i % 3 + (i == 1 ? missing_extra : 0); ++k) {
      std::snprintf(id, sizeof id, "/%06d", 100 + k);
      b.missing.push_back(b.batch_id + id);
    }
    if (i % 5 == 0) b.overdue.push_back({"certificate:USB-" + std::to_string(i), "2025-10-01"});
    m.batches++, m.sealed += b.sealed, m.mailed += b.mailed, m.missing += static_cast<int>(b.missing.size());
    r.batches.push_back(std::move(b));
  }
  if (batches > 0) r.months.push_back(m);
  if (batches % 10 == 0 && batches > 0) {  // a voided run of half as many batches, listed apart
    VoidedRun v{"R20250801", "2025-08", {}};
    for (int i = 1; i <= batches / 2; ++i) v.batch_ids.push_back("R20250801-B" + std::to_string(100 + i));
    r.voided.push_back(v);
  }
  return r;
}

// A review sheet with `anomalies` rows of anomalies and `warnings` input warnings.
ReviewSheet review_of(int anomalies, int warnings) {
  ReviewSheet s;
  s.run_id = "R20250901";
  s.maker = "tanaka";
  s.created_at = "2025-09-01T00:30:00Z";
  s.month = "2025-09";
  s.prepared_by = "suzuki";
  s.prepared_at = "2025-09-02T00:00:00Z";
  s.head = {321, hex(anomalies + warnings)};
  s.batches = {{"R20250901-B001", 400, 900, 880}, {"R20250901-B002", 120, 260, 250}};
  s.billed = {{"2025-09", 500, 510, 14790000}, {"2025-10", 20, 20, 580000}};
  s.envelopes_with_slips = 500;
  for (int i = 0; i < anomalies; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "C%05d", i);
    s.anomalies.push_back({AnomalyKind::account_transfer_slip, id, "2025-09", {4800}, {"R20250901-B001/000001"}, ""});
  }
  for (int i = 0; i < warnings; ++i)
    s.input_warnings.push_back("cases.csv:" + std::to_string(i + 2) + ": case C" + std::to_string(i) +
                               ": U+845B U+E0100 printed as its plain glyph");
  return s;
}

}  // namespace

TEST_CASE("the reconcile report names 承認, 封入, 発送, 返戻, 廃棄, 未着 and 期限超過, counts or none") {
  const struct {
    const char* what;
    ReconcileReport report;
  } cases[] = {{"no batches at all", reconcile_of(0)}, {"three batches", reconcile_of(3)}};
  for (const auto& c : cases) {
    CAPTURE(c.what);
    auto pdf = reconcile_pdf(c.report, engine(), "2025-10-15T01:00:00Z");
    REQUIRE_MESSAGE(pdf.ok(), messages(pdf.problems));
    const std::string text = pdf_text(pdf.value);
    CAPTURE(text);
    // Each term heads a row of the summary, with its count.
    for (const char* term : {"承認", "封入", "発送", "返戻", "廃棄", "未着", "期限超過"}) {
      CAPTURE(term);
      bool row = false;
      std::istringstream in(text);
      for (std::string l; std::getline(in, l);)
        if (auto w = words(l); w.size() >= 3 && w[0] == term) row = true;
      CHECK(row);
    }
    for (const char* label : {"照合報告書", "基準日", "作成日時", "件数", "監査ログ先頭", "作成者", "確認者", "承認者"})
      CHECK_MESSAGE(has(text, label), label);
    CHECK(has(text, c.report.head.text()));
  }
}

TEST_CASE("reconcile reports of 1 to 70 batches: headings keep two lines, nothing alone, the sign-off with the last lines") {
  int most = 0;
  for (int batches = 1; batches <= 70; ++batches) {
    CAPTURE(batches);
    auto pdf = reconcile_pdf(reconcile_of(batches), engine(), "2025-10-15T01:00:00Z");
    REQUIRE(pdf.ok());
    CHECK(kReconcile.faults(pdf.value) == "");
    most = std::max(most, pdf_pages(pdf.value));
    // Every batch's row is printed, once in the batch table and once in the custody steps.
    const std::string text = pdf_text(pdf.value);
    char last[32];
    std::snprintf(last, sizeof last, "R20250901-B%03d ", batches);
    std::size_t seen = 0;
    for (auto at = text.find(last); at != std::string::npos; at = text.find(last, at + 1)) ++seen;
    CHECK(seen >= 2);
    if (batches % 10 == 0) CHECK(has(text, "R20250801-B" + std::to_string(100 + batches / 2)));
  }
  CHECK(most >= 4);  // the tables crossed several page boundaries at every offset
}

TEST_CASE("a reconcile report whose list of missing envelopes runs over a page") {
  for (int extra = 20; extra <= 75; ++extra) {
    CAPTURE(extra);
    auto pdf = reconcile_pdf(reconcile_of(4, extra), engine(), "2025-10-15T01:00:00Z");
    REQUIRE(pdf.ok());
    CHECK(kReconcile.faults(pdf.value) == "");
  }
}

TEST_CASE("review sheets of 0 to 60 anomalies and of 0 to 45 warnings: the same page rules") {
  struct Case {
    int anomalies, warnings;
  };
  std::vector<Case> cases;
  for (int a = 0; a <= 60; ++a) cases.push_back({a, 3});
  for (int w = 0; w <= 45; ++w) cases.push_back({6, w});
  int most = 0;
  for (const auto& c : cases) {
    CAPTURE(c.anomalies);
    CAPTURE(c.warnings);
    const ReviewSheet s = review_of(c.anomalies, c.warnings);
    auto pdf = review_pdf(s, engine());
    REQUIRE(pdf.ok());
    CHECK(kReview.faults(pdf.value) == "");
    most = std::max(most, pdf_pages(pdf.value));
    const std::string text = pdf_text(pdf.value);
    CHECK(has(text, s.head.text()));
    if (c.warnings > 0) CHECK(has(text, "case C" + std::to_string(c.warnings - 1) + ":"));
  }
  CHECK(most >= 3);
}

TEST_CASE("the page rules catch what they look for") {
  // Pages as Poppler gives them, each with one known fault, so a layout check that passes means something.
  using P = std::vector<std::vector<std::string>>;
  const std::string f1 = "照合報告書 — 1 / 1", f12 = "照合報告書 — 1 / 2", f22 = "照合報告書 — 2 / 2";
  const std::string head = "監査ログ先頭　1:ab", signers = "作成者 確認者 承認者", seals = "印 印 印";
  const struct {
    const char* what;
    P pages;
    const char* fault;  // "" = none
  } cases[] = {
      {"one page, all kept", {{"照合報告書", "台帳", "a", "b", head, signers, seals, f1}}, ""},
      {"no page number", {{"台帳", "a", "b", head, signers, seals, "照合報告書 — "}}, "no page number"},
      {"heading at the foot", {{"台帳", "a", "b", "集計", f12}, {"区分 件数", "c", "d", head, signers, seals, f22}},
       "\"集計\" ends the page with 0"},
      {"header and one row at the foot",
       {{"台帳", "a", "b", "集計", "区分 件数", "c", f12}, {"区分 件数", "d", "e", head, signers, seals, f22}},
       "\"区分 件数\" ends the page with 1"},
      {"one line carried over", {{"台帳", "a", "b", f12}, {"c", "集計", "d", "e", head, signers, seals, f22}},
       "one line carried over alone"},
      {"the sign-off box alone", {{"台帳", "a", "b", f12}, {head, signers, seals, f22}}, "sign-off box without"},
      {"a one-line section ends a page", {{"台帳", "a", "b", "集計", "c", f12}, {"手続の状況", "d", "e", head, signers, seals, f22}},
       ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    const std::string found = kReconcile.faults(c.pages);
    CAPTURE(found);
    if (*c.fault) CHECK(has(found, c.fault));
    else CHECK(found == "");
  }
}
