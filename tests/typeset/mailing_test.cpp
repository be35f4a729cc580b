// Envelopes that post as 定形: the split planner as a table, the weight estimate, and a real
// three-child, seven-month household typeset into numbered parts with cover sheets.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "typeset/typeset.hpp"

using namespace tsuchi;
using namespace tsuchi::typeset;

namespace {

using Mode = tsuchi::Mailing::Oversize;

tsuchi::Mailing limits(int max_sheets, double max_g, Mode mode) {
  tsuchi::Mailing m;
  m.max_sheets = max_sheets;
  m.max_g = max_g;
  m.oversize = mode;
  return m;
}

// `children` children each billed for the months April.. of 2025, child after child (compose's order).
std::vector<YearMonth> months_by_child(int children, int months) {
  std::vector<YearMonth> out;
  for (int c = 0; c < children; ++c)
    for (int k = 0; k < months; ++k) out.push_back({2025, 4 + k});
  return out;
}

std::string indices(const std::vector<std::size_t>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) {
    std::size_t j = i;
    while (j + 1 < v.size() && v[j + 1] == v[j] + 1) ++j;
    s += (s.empty() ? "" : ",") + std::to_string(v[i]) + (j > i ? "-" + std::to_string(v[j]) : "");
    i = j;
  }
  return s;
}

// "N0-2 S0-4 =8 | C S5-11 =8": per part, cover, notices, slips (indices) and sheets.
std::string describe(const std::vector<PartPlan>& parts) {
  std::string s;
  for (const auto& p : parts) {
    if (!s.empty()) s += " | ";
    std::string part = p.cover ? "C" : "";
    if (!p.notices.empty()) part += (part.empty() ? "N" : " N") + indices(p.notices);
    if (!p.slips.empty()) part += (part.empty() ? "S" : " S") + indices(p.slips);
    s += part + " =" + std::to_string(p.sheets);
  }
  return s;
}

}  // namespace

TEST_CASE("grams and the sheet limit: 6 g envelope + 4 g per A4 sheet, 50 g for 定形") {
  // 64 g/m² × 0.210 m × 0.297 m = 3.99 g a sheet; Japan Post's 定形郵便物 goes up to 50 g (郵便規則,
  // 内国郵便約款 第19条). A 長形3号 window envelope weighs about 5-6 g.
  tsuchi::Mailing m;
  CHECK(m.grams(0) == doctest::Approx(6.0));
  CHECK(m.grams(11) == doctest::Approx(50.0));  // exactly the limit: allowed
  CHECK(m.grams(17) == doctest::Approx(74.0));  // the 17 sheets: far over
  CHECK(sheet_limit(limits(8, 50, Mode::split)) == 8);    // the inserter binds first
  CHECK(sheet_limit(limits(20, 50, Mode::split)) == 11);  // then the weight
  CHECK(sheet_limit(limits(20, 49.9, Mode::split)) == 10);
  tsuchi::Mailing heavy = limits(20, 50, Mode::split);
  heavy.paper_g = 8;  // a heavier stock halves what fits
  CHECK(sheet_limit(heavy) == 5);
  CHECK(limits_text(limits(8, 50, Mode::split)) == "8 sheets and 50 g");
}

TEST_CASE("the split planner: parts, their contents and sheets, by limits and mode") {
  struct Row {
    const char* what;
    std::vector<int> notices;
    std::vector<YearMonth> slips;
    int per_sheet;
    tsuchi::Mailing m;
    std::string want;  // describe() of the plan, or "error: <part of the message>"
  };
  const std::vector<YearMonth> april3 = {{2025, 4}, {2025, 4}, {2025, 4}};
  const Row rows[] = {
      {"within the limits: one part", {1}, {{2025, 4}, {2025, 5}, {2025, 6}}, 1, limits(8, 50, Mode::split), "N0 S0-2 =4"},
      {"exactly at max_sheets: one part", {1, 1}, months_by_child(2, 3), 1, limits(8, 50, Mode::split), "N0-1 S0-5 =8"},
      {"3 children x 7 months, a slip a sheet: 24 sheets into 8-sheet parts",
       {1, 1, 1}, months_by_child(3, 7), 1, limits(8, 50, Mode::split),
       "N0-2 S0-4 =8 | C S5-11 =8 | C S12-18 =8 | C S19-20 =3"},
      {"the same on compact sheets of 3 slips: 10 sheets",
       {1, 1, 1}, months_by_child(3, 7), 3, limits(8, 50, Mode::split), "N0-2 S0-14 =8 | C S15-20 =3"},
      {"the weight binds before the inserter: 11 sheets = 50 g",
       {1, 1, 1}, months_by_child(3, 7), 1, limits(20, 50, Mode::split), "N0-2 S0-7 =11 | C S8-17 =11 | C S18-20 =4"},
      {"notices alone spill into a second part, which opens with a notice (no cover)",
       {3, 3, 3}, {}, 1, limits(8, 50, Mode::split), "N0-1 =6 | N2 =3"},
      {"a long notice opens part 2, its slips follow it", {5, 4}, {{2025, 4}, {2025, 5}}, 1,
       limits(8, 50, Mode::split), "N0 =5 | N1 S0-1 =6"},
      {"by_month: 期別 bundles of every child's slips, cut only between months",
       {1, 1, 1}, months_by_child(3, 7), 1, limits(8, 50, Mode::by_month),
       "N0-2 S0,7,14 =6 | C S1,8,15,2,9,16 =7 | C S3,10,17,4,11,18 =7 | C S5,12,19,6,13,20 =7"},
      {"by_month within the limits keeps compose's order", {1}, {{2025, 5}, {2025, 4}}, 1,
       limits(8, 50, Mode::by_month), "N0 S0-1 =3"},
      {"refuse names sheets, grams and the limit", {1, 1, 1}, months_by_child(3, 7), 1, limits(8, 50, Mode::refuse),
       "error: 24 sheets, 102 g: over the limit of 8 sheets and 50 g (mailing.oversize = \"refuse\")"},
      {"a notice that alone exceeds the limits is an error, never a silent envelope", {9}, {}, 1,
       limits(8, 50, Mode::split), "error: notice 1 alone takes 9 sheets, 42 g: over the limit of 8 sheets and 50 g"},
      {"one sheet a part leaves no room for a slip beside its cover", {1}, {{2025, 4}}, 1, limits(1, 50, Mode::split),
       "error: a slip sheet with the cover sheet of its envelope takes 2 sheets, 14 g"},
      {"a month's bundle that cannot fit beside its cover", {1}, april3, 1, limits(3, 50, Mode::by_month),
       "error: the slips of 2025-04 with the cover sheet of its envelope take 4 sheets, 22 g"},
  };
  for (const auto& r : rows) {
    const std::string what = r.what;
    CAPTURE(what);
    auto plan = plan_mailing(r.notices, r.slips, r.per_sheet, r.m);
    if (r.want.rfind("error: ", 0) == 0) {
      REQUIRE_FALSE(plan.ok());
      const std::string why = plan.problems.front().reason;
      CAPTURE(why);
      CHECK(why.find(r.want.substr(7)) != std::string::npos);
      continue;
    }
    REQUIRE(plan.ok());
    CHECK(describe(plan.value) == r.want);
    // Whatever the table says, no part may exceed the limits, and every slip goes exactly once.
    std::vector<int> seen(r.slips.size());
    for (const auto& p : plan.value) {
      CHECK(p.sheets <= r.m.max_sheets);
      CHECK(r.m.grams(p.sheets) <= r.m.max_g);
      for (auto i : p.slips) ++seen[i];
    }
    for (int n : seen) CHECK(n == 1);
  }
}

namespace {

// A cash household of three children billed April to October: 3 notices and 21 slips.
compose::Envelope three_children_seven_months() {
  compose::Envelope e;
  e.sequence = 42;
  e.guardian_atena_no = "G000777";
  e.to = {"2630023", "千葉市稲毛区緑町3丁目30-8", "郵便ビル403号", "熊谷　花子", "26300233-30-8-403/5"};
  const char* names[] = {"熊谷　一郎", "熊谷　二郎", "熊谷　三子"};
  for (int c = 0; c < 3; ++c) {
    decide::Decision d;
    d.c.case_id = "C000" + std::to_string(c + 1);
    d.c.child_name = names[c];
    d.c.child_birth_date = {2022, 6, 14};
    d.c.guardian_atena_no = e.guardian_atena_no;
    d.c.guardian_name = e.to.name;
    d.c.postal_code = e.to.postal_code;
    d.c.address = e.to.address;
    d.c.certification_type = 3;
    d.c.facility_name = "熊谷市立中央保育所";
    d.c.facility_public = true;
    d.c.bracket = "D4";
    d.c.cash_payment = true;
    d.c.decision_date = {2025, 9, 1};
    d.c.period_start = {2025, 4};
    d.c.period_end = {2025, 10};
    d.periods.push_back({{2025, 4}, {2025, 10}, 400000, 0});
    for (int k = 0; k < 7; ++k) {
      compose::SlipWithCode s;  // over the store ceiling: no store barcode to build
      s.slip.case_id = d.c.case_id;
      s.slip.guardian_atena_no = e.guardian_atena_no;
      s.slip.month = {2025, 4 + k};
      s.slip.fiscal_year = 2025;
      s.slip.amount = s.slip.user_charge = 400000;
      s.slip.due_date = s.slip.store_deadline = {2025, 4 + k, 28};
      s.slip.payment_reference = "0100000000000" + std::to_string(c + 1) + "20250" + std::to_string(4 + k / 6) + "0";
      e.slips.push_back(s);
    }
    e.notices.push_back(std::move(d));
  }
  return e;
}

std::string text_of(const display::Page& page) {
  const display::Page p = display::flattened(page);
  std::string s;
  for (const auto& r : p.runs) s += r.text + "\n";
  return s;
}

}  // namespace

TEST_CASE("a household over max_sheets posts as numbered parts: ids -k, own QR codes, a window page each") {
  const std::string data = TSUCHI_DATA_DIR;
  auto m = tsuchi::load_municipality(data + "/examples/municipality.toml");
  REQUIRE(m.ok());
  m.value.mailing = limits(8, 50, Mode::split);
  auto ts = Typesetter::create(data, m.value);
  REQUIRE(ts.ok());
  const auto e = three_children_seven_months();

  auto pieces = ts.value->mailing(e, "R20250901-B001");
  REQUIRE(pieces.ok());
  // However many slips the layout puts on a sheet, 3 notices and 21 slips exceed 8 sheets.
  REQUIRE(pieces.value.size() >= 2);
  int slips = 0, notices = 0;
  for (std::size_t k = 0; k < pieces.value.size(); ++k) {
    const auto& piece = pieces.value[k];
    const std::string id = "R20250901-B001/000042-" + std::to_string(k + 1);
    const std::string part = std::to_string(k + 1) + "/" + std::to_string(pieces.value.size());
    CAPTURE(id);
    CHECK(piece.envelope_id == id);
    CHECK(piece.part_text() == part);
    CHECK(piece.sheets() <= 8);
    CHECK(m.value.mailing.grams(piece.sheets()) <= 50.0);
    slips += static_cast<int>(piece.contents.slips.size());
    notices += static_cast<int>(piece.contents.notices.size());
    // Every page: its part's id and its own insertion QR "<id>/<page>-<pages>".
    for (int i = 0; i < piece.sheets(); ++i) {
      const auto& p = piece.pages[i];
      CHECK(p.envelope_id == id);
      bool qr = false;
      for (const auto& c : p.codes)
        qr = qr || (c.kind == display::CodeKind::insertion_qr &&
                    c.value == id + "/" + std::to_string(i + 1) + "-" + std::to_string(piece.sheets()));
      CHECK(qr);
    }
    // The window page shows the part's label and carries the customer barcode.
    const auto& window = piece.pages.front();
    CHECK(text_of(window).find(id + "　" + part) != std::string::npos);
    bool customer = false;
    for (const auto& c : window.codes) customer = customer || c.kind == display::CodeKind::customer_japan_post;
    CHECK(customer);
    if (k == 0) {
      CHECK_FALSE(piece.cover);
      CHECK(text_of(window).find("熊谷　一郎") != std::string::npos);  // part 1 opens with the first notice
    } else {
      REQUIRE(piece.cover);
      const std::string cover = text_of(window);
      CHECK(cover.find("納付書の送付について") != std::string::npos);
      CHECK(cover.find("計" + std::to_string(piece.contents.slips.size()) + "枚") != std::string::npos);
      CHECK(cover.find(e.to.name) != std::string::npos);
      // Names only of the children whose slips are enclosed, and no amount.
      for (const auto& d : e.notices) {
        bool enclosed = false;
        for (const auto& s : piece.contents.slips) enclosed = enclosed || s.slip.case_id == d.c.case_id;
        CHECK((cover.find(d.c.child_name) != std::string::npos) == enclosed);
      }
      CHECK(cover.find("400,000") == std::string::npos);
    }
  }
  CHECK(slips == 21);
  CHECK(notices == 3);

  SUBCASE("refuse: an error naming the envelope, its sheets and grams, and the limit") {
    m.value.mailing.oversize = Mode::refuse;
    auto strict = Typesetter::create(data, m.value);
    REQUIRE(strict.ok());
    auto refused = strict.value->mailing(e, "R20250901-B001");
    REQUIRE_FALSE(refused.ok());
    const auto& why = refused.problems.front().reason;
    CHECK(why.find("envelope R20250901-B001/000042: ") == 0);
    CHECK(why.find("over the limit of 8 sheets and 50 g") != std::string::npos);
    CHECK(why.find("熊谷") == std::string::npos);
  }
  SUBCASE("within the limits the mailing goes whole, under the plain id") {
    m.value.mailing.max_sheets = 40;
    m.value.mailing.max_g = 200;
    auto roomy = Typesetter::create(data, m.value);
    REQUIRE(roomy.ok());
    auto whole = roomy.value->mailing(e, "R20250901-B001");
    REQUIRE(whole.ok());
    REQUIRE(whole.value.size() == 1);
    CHECK(whole.value[0].envelope_id == "R20250901-B001/000042");
    CHECK(whole.value[0].part_text().empty());
    CHECK(whole.value[0].sheets() == static_cast<int>(ts.value->envelope_pages(e, "R20250901-B001").size()));
  }
}
