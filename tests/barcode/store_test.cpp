// GS1-128 convenience-store payload (barcodes.md §1): layout, check digit, validation messages.
#include <doctest/doctest.h>

#include <algorithm>

#include "barcode/barcode.hpp"

using namespace tsuchi;
using namespace tsuchi::barcode;

namespace {

StorePayment payment(std::string issuer, std::string free, int reissue, Date deadline, bool stamp, Yen amount) {
  StorePayment p;
  p.issuer_code = std::move(issuer);
  p.free_field = std::move(free);
  p.reissue = reissue;
  p.deadline = deadline;
  p.revenue_stamp = stamp;
  p.amount = amount;
  return p;
}

}  // namespace

TEST_CASE("check digit: modulus 10, weight 3 on the rightmost data digit, then 1, 3, ...") {
  struct Row { std::string first43; char cd; };
  const Row rows[] = {
      {"9191234501234567890123456789010103310123000", '3'},  // barcodes.md vectors
      {"9194238617895391785393569273010307311031290", '3'},
      {"9191234500001234567890123456702604300012300", '4'},
      {"9191234500001234567890123456722605311055000", '1'},
      // built by hand: 9*3 + 1*1 + 5*3 = 43 -> 7 (43 digits, so the leftmost weighs 3)
      {"915" + std::string(40, '0'), '7'},
      // 9*3 + 1*1 + 1*3 (the rightmost) = 31 -> 9
      {"91" + std::string(40, '0') + "1", '9'},
      // 9*3 + 1*1 + 2*1 (second from the right) = 30 -> 0, not 10
      {"91" + std::string(39, '0') + "20", '0'},
  };
  for (const auto& r : rows) {
    CAPTURE(r.first43);
    REQUIRE(r.first43.size() == 43);
    CHECK(store_check_digit(r.first43) == r.cd);
    CHECK(store_payload_valid(r.first43 + r.cd));
    CHECK_FALSE(store_payload_valid(r.first43 + static_cast<char>('0' + (r.cd - '0' + 1) % 10)));
  }
}

TEST_CASE("any single changed digit, a wrong length or another AI is rejected") {
  const std::string good = "91942386178953917853935692730103073110312903";
  REQUIRE(store_payload_valid(good));
  for (std::size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = bad[i] == '9' ? '0' : static_cast<char>(bad[i] + 1);
    CAPTURE(i);
    CHECK_FALSE(store_payload_valid(bad));
  }
  CHECK_FALSE(store_payload_valid(good.substr(0, 43)));
  CHECK_FALSE(store_payload_valid(good + "0"));
  const std::string ai92 = "92" + good.substr(2, 41);
  CHECK_FALSE(store_payload_valid(ai92 + store_check_digit(ai92)));  // right check digit, wrong AI
  CHECK_FALSE(store_payload_valid(good.substr(0, 43) + "X"));
}

TEST_CASE("store_payload lays the fields out as the reference vectors do") {
  struct Row { StorePayment p; const char* expected; };
  const Row rows[] = {
      {payment("912345", "012345678901234567890", 1, {2001, 3, 31}, false, 123000),
       "91912345012345678901234567890101033101230003"},
      {payment("942386", "178953917853935692730", 1, {2003, 7, 31}, true, 31290),
       "91942386178953917853935692730103073110312903"},
      {payment("912345", "000012345678901234567", 0, {2026, 4, 30}, false, 12300),
       "91912345000012345678901234567026043000123004"},
      {payment("912345", "000012345678901234567", 2, {2026, 5, 31}, true, 55000),
       "91912345000012345678901234567226053110550001"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.expected);
    auto got = store_payload(r.p);
    REQUIRE(got.ok());
    CHECK(got.value == r.expected);
  }
}

TEST_CASE("store_payload pads amount and date, and accepts the range ends") {
  struct Row { Yen amount; Date deadline; const char* amount6; const char* yymmdd; };
  const Row rows[] = {
      {0, {2025, 9, 30}, "000000", "250930"},
      {7, {2030, 1, 2}, "000007", "300102"},
      {999999, {2099, 12, 31}, "999999", "991231"},
      {300000, {2000, 2, 29}, "300000", "000229"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.amount);
    auto got = store_payload(payment("500001", std::string(21, '0'), 0, r.deadline, false, r.amount));
    REQUIRE(got.ok());
    const std::string& d = got.value;
    CHECK(d.size() == 44);
    CHECK(d.substr(0, 8) == "91500001");
    CHECK(d.substr(30, 6) == r.yymmdd);
    CHECK(d.substr(37, 6) == r.amount6);
    CHECK(store_payload_valid(d));
  }
}

TEST_CASE("each bad field gets its own clear reason, all reported together") {
  struct Row { StorePayment p; std::vector<std::pair<std::string, std::string>> expected; };  // column, reason
  const Row rows[] = {
      {payment("12345", std::string(21, '0'), 0, {2025, 9, 30}, false, 100),
       {{"issuer_code", "must be 6 digits"}}},
      {payment("412345", std::string(21, '0'), 0, {2025, 9, 30}, false, 100),
       {{"issuer_code", "must start with 9 or 5 (the GS1 company prefix without its leading 4)"}}},
      {payment("912345", std::string(20, '0'), 0, {2025, 9, 30}, false, 100),
       {{"free_field", "must be 21 digits (zero-padded payment reference)"}}},
      {payment("912345", std::string(20, '0') + "A", 10, {2025, 9, 30}, false, 100),
       {{"free_field", "must be 21 digits (zero-padded payment reference)"}, {"reissue", "must be 0 (original) to 9"}}},
      {payment("912345", std::string(21, '0'), -1, {2025, 2, 29}, false, 1000000),
       {{"reissue", "must be 0 (original) to 9"}, {"deadline", "is not a date"},
        {"amount", "must be 0 to 999,999 yen (6 digits)"}}},
      {payment("912345", std::string(21, '0'), 0, {2100, 1, 31}, false, -1),
       {{"deadline", "must lie in 2000-2099 (printed as YYMMDD)"}, {"amount", "must be 0 to 999,999 yen (6 digits)"}}},
  };
  for (const auto& r : rows) {
    auto got = store_payload(r.p);
    CHECK_FALSE(got.ok());
    REQUIRE(got.problems.size() == r.expected.size());
    for (std::size_t i = 0; i < r.expected.size(); ++i) {
      CHECK(got.problems[i].column_name == r.expected[i].first);
      CHECK(got.problems[i].reason == r.expected[i].second);
    }
  }
}

TEST_CASE("human-readable lines: AI, issuer and free field on line 1, the rest on line 2") {
  const std::string d = "91912345000012345678901234567226053110550001";
  auto [l1, l2] = store_human_readable(d);
  CHECK(l1 == "(91)912345 000012345678901234567");
  CHECK(l2 == "2 260531 1 055000 1");

  // The break and spacing are settings; whatever they are, the digits read back in order.
  for (int split : {0, 22, 29, 44}) {
    for (bool spaces : {false, true}) {
      auto [a, b] = store_human_readable(d, {split, spaces});
      std::string joined;
      for (char c : a + b)
        if (c >= '0' && c <= '9') joined += c;
      CAPTURE(split);
      CHECK(joined == d);
      if (!spaces) CHECK(a.size() == static_cast<std::size_t>(split));
    }
  }
}
