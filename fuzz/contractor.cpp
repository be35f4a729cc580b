// The contractor's files (output_spec/contractor-files.md), imported whole into a ledger that
// holds a handed-over batch: built three times, with TSUCHI_FUZZ_KIND 0 = receipt, 1 = work log,
// 2 = returns. The import reads a path, so each input is written to a scratch file first.
#include "fuzz/ledger_fixture.hpp"

using namespace tsuchi;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const fuzz::Scratch scratch;
  static const fuzz::LedgerFixture fixture(scratch);
  auto l = fixture.fresh();
  const auto before = l.audit_records().size();
  const std::string file = scratch.write("contractor.csv", fuzz::as_view(data, size));
  auto r = TSUCHI_FUZZ_KIND == 0   ? l.import_receipt(file, fixture.actor())
           : TSUCHI_FUZZ_KIND == 1 ? l.import_worklog(file, fixture.actor())
                                   : l.import_returns(file, fixture.actor());
  for (const auto& d : r.problems) (void)format(d);
  // Stored or refused, the import leaves exactly one audit record and an intact chain.
  if (l.audit_records().size() != before + 1) fuzz::violated("an import did not add exactly one audit record");
  auto audit = l.verify_audit();
  if (!audit.ok() || !audit.value.ok()) fuzz::violated("an import broke the audit chain");
  if (!r.ok() && (r.value.rows != 0 || !r.value.batches.empty())) fuzz::violated("a refused import reports rows");
  (void)l.reconcile({"", "", Date{2025, 12, 1}}, &fixture.actor());
  return 0;
}
