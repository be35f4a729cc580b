// Compose: decisions and slips into envelopes (one per guardian), sorted for the postal discount,
// numbered, and cut into batches (SPEC §2, §7).
#pragma once
#include <string>
#include <vector>

#include "decide/decide.hpp"

namespace tsuchi::compose {

struct Recipient {
  std::string postal_code;  // 7 digits
  std::string address;
  std::string building;
  std::string name;                 // guardian, exact code points; 様 is added by typeset
  std::string customer_barcode;     // Japan Post "data/check digit", e.g. "26300233-30-8-403/5"; empty when none applies
};

struct SlipWithCode {
  decide::Slip slip;
  std::string store_barcode;  // 44 digits; empty when the amount is over the store ceiling
};

struct Envelope {
  int sequence = 0;              // 1-based position in the run after sorting (envelope_no)
  std::string guardian_atena_no;
  Recipient to;
  std::vector<decide::Decision> notices;  // one notice per child, in case order
  std::vector<SlipWithCode> slips;        // by child then month
};

struct Batch {
  std::string batch_id;  // "<run_id>-B001"
  int index = 1;         // 1-based, for Bag-Count "i of n"
  std::vector<Envelope> envelopes;
};

// "<batch_id>/<envelope_no as 6 digits>", e.g. R20250901-B001/000123; a preview uses batch id PREVIEW.
std::string envelope_id(const std::string& batch_id, int sequence);
// Part k (1-based) of a split mailing: "<batch_id>/<NNNNNN>-<k>" (records::envelope_part reads it back).
std::string envelope_id(const std::string& batch_id, int sequence, int part);

// One envelope per guardian (the slips of its decisions), in plan() order and numbered 1..N.
// compose_checked also reports a store barcode that could not be built (bad issuer code or
// reference in the configuration): such a slip keeps an empty store_barcode, so never print it.
Checked<std::vector<Envelope>> compose_checked(const std::vector<decide::Decision>& decisions,
                                               const tsuchi::Municipality& m);
std::vector<Envelope> compose(const std::vector<decide::Decision>& decisions, const tsuchi::Municipality& m);
// Consecutive runs of `batch_size` envelopes; ids "<run_id>-B001" (a 4th digit from batch 1000);
// envelopes keep their run-wide sequence numbers.
std::vector<Batch> cut_batches(std::vector<Envelope> envelopes, const std::string& run_id, int batch_size);
std::string batch_id(const std::string& run_id, int index);  // "<run_id>-B001" for index 1

// The run's envelopes as case indices, in mailing order: the grouping, order and numbering of
// compose(), without building any envelope, so a large run can be composed a batch at a time
// (compose_checked over one envelope's or one batch's cases, in this order, gives those envelopes).
struct EnvelopePlan {
  int sequence = 0;                // envelope_no, as compose() numbers it
  std::vector<std::size_t> cases;  // indices into the cases, in input order
};
std::vector<EnvelopePlan> plan(const std::vector<ingest::Case>& cases);

}  // namespace tsuchi::compose
