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
// Never spans two fiscal years (年度).
struct FeePeriod {
  YearMonth from, to;
  Yen user_charge = 0;
  Yen side_dish = 0;
  int fiscal_year = 0;  // last, so brace-initialisers of the fields above keep their meaning
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
  Yen user_charge = 0, side_dish = 0;  // amount = user_charge + side_dish; 科目 follows them
  std::string el_number, el_qr;   // from the case (ingest::Case::el_*), this slip's value; empty = none
};

// 副食費 as the notice states it: billed by the city, included in 保育料 (3号), paid to the
// facility (private facilities), or exempt (the case's flag or an exempt bracket).
enum class SideDish { billed, included, facility, exempt };

// Reductions applied, named on the notice.
struct Reductions {
  bool free_education = false;  // 幼児教育・保育の無償化: type 1/2 pay no user charge
  bool multi_child = false;     // 多子軽減 lowered a month's user charge
  int child_order = 1;          // the child's place (第2子, 第3子以降)
  double factor = 1.0;          // the factor applied (0.5 = half, 0 = free)
};

// 口座振替: the date a month's total is drawn.
struct Transfer {
  YearMonth month;
  Date on;
};

// A case decided: its fee month by month, the periods its notice shows and the slips it is owed.
struct Decision {
  ingest::Case c;
  std::vector<MonthlyFee> months;  // period_start..period_end
  std::vector<FeePeriod> periods;
  std::vector<Slip> slips;         // by month; none for account transfer or a 0-yen month
  SideDish side_dish = SideDish::billed;
  Reductions reductions;
  std::vector<int> fiscal_years;      // 年度 the months cover, ascending
  std::vector<FeePeriod> previous;    // 変更前 for the same months, from the previous_* columns; empty = not given
  std::vector<Transfer> transfers;    // account-transfer payers: each month with a total > 0
};

// "＊＊＊＊567": all but the last 3 digits of an account number hidden.
std::string masked_account(std::string_view account);
// The child's age class (N歳児クラス) in `fiscal_year` (tsuchi::age_class in core).
int age_class(const Date& birth, int fiscal_year);


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

// Rules a case can contradict that need the fee schedules (SPEC §6, output_spec/inputs.md §2.3):
// the certification against the child's age class in every 年度 its months cover, side_dish_exempt
// against a bracket fees.toml marks exempt (each an error or a warning as municipality.toml
// [validation] says), and the count of ';'-separated eL values against the case's slips.
// Messages name the line, column and case id; never a name, an account or an eL value.
Diagnostics check_rules(const std::vector<ingest::Case>& cases, const std::string& cases_file,
                        const tsuchi::FeeSchedules& fees, const tsuchi::Municipality& m,
                        const std::vector<std::string>& header = {});

// Decides every case with the slips it is owed (due dates from the municipality and its calendar).
// Problems that only show here (a month before any schedule) come back as diagnostics.
Checked<std::vector<Decision>> decide(const std::vector<ingest::Case>& cases, const tsuchi::FeeSchedules& fees,
                                      const tsuchi::Municipality& m, const Calendar& cal);

}  // namespace tsuchi::decide
