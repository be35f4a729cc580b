// Decide: each child's fee for each month of its period, and the payment slips owed (SPEC §3, §5).
#pragma once
#include <string>
#include <vector>

#include "core/calendar.hpp"
#include "core/core.hpp"
#include "ingest/ingest.hpp"

namespace tsuchi::decide {


struct MonthlyFee {
  YearMonth month;
  std::string bracket_label;  // from the schedule in force that month
  Yen base = 0;               // schedule amount before the child-order factor
  Yen user_charge = 0;        // 利用者負担額 after factor and rounding
  Yen side_dish = 0;          // 副食費 billed by the city
  Yen total() const { return user_charge + side_dish; }
};

// Consecutive months with identical amounts, as the notice's table shows them.
struct FeePeriod {
  YearMonth from, to;
  Yen user_charge = 0;
  Yen side_dish = 0;
};

// 納付書: one per child per month with total > 0, only for cash payers.
struct Slip {
  std::string case_id;
  std::string guardian_atena_no;
  YearMonth month;          // 期別 (the month billed)
  int fiscal_year = 0;      // 年度 of that month
  Yen amount = 0;
  Date due_date;            // 納期限, moved to the next business day
  Date store_deadline;      // コンビニ納付期限
  std::string payment_reference;  // 21-digit free field of the store barcode (see output_spec)
};

// A case decided: its fee month by month, the periods its notice shows and the slips it is owed.
struct Decision {
  ingest::Case c;
  std::vector<MonthlyFee> months;  // period_start..period_end
  std::vector<FeePeriod> periods;
  std::vector<Slip> slips;         // by month; none for account transfer or a 0-yen month
};


// 納期限: the last day of the billed month + due_month_offset months, moved to the next business day.
Date due_date(const YearMonth& billed, const tsuchi::Municipality& m, const Calendar& cal);
// コンビニ納付期限: due date + store_deadline_days as a calendar date (not moved), never before the due date.
Date store_deadline(const Date& due, const tsuchi::Municipality& m);

// The 21-digit payment reference: subject code (2) + reference of the case (13) + billed YYYYMM (6);
// with an agent sub-code (gs1_free_prefix) first, the case reference shrinks to keep 21 digits.
// Layout and the rule for non-numeric case ids: output_spec/payment-reference.md.
std::string payment_reference(const tsuchi::Municipality& m, const std::string& case_id, const YearMonth& month);

// Cases whose payment references would coincide (ids differing only in leading zeros, a digest
// collision, or a case id too long for the agent-shortened reference): one error per later case.
Diagnostics reference_collisions(const std::vector<ingest::Case>& cases, const tsuchi::Municipality& m);

// Decides every case with the slips it is owed (due dates from the municipality and its calendar).
// Problems that only show here (a month before any schedule) come back as diagnostics.
Checked<std::vector<Decision>> decide(const std::vector<ingest::Case>& cases, const tsuchi::FeeSchedules& fees,
                                      const tsuchi::Municipality& m, const Calendar& cal);

}  // namespace tsuchi::decide
