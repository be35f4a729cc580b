// `tsuchi import certificate`: the destruction record's fields and the certificate file. The input
// is the fields, one per line (batch, medium, method, tool, tool version, verification, date,
// place, operator, witness, quantity), then the file's bytes. A file starting with %PDF goes to
// the real matcher (Poppler renders each page, ZXing reads the form's QR code); any other file is
// matched as if its first line were the decoded QR text, so the ledger's checks of a form code
// (batch and manifest digest) are reached without a renderer in the loop.
#include <charconv>

#include "fuzz/ledger_fixture.hpp"
#include "report/report.hpp"

using namespace tsuchi;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const fuzz::Scratch scratch;
  static const fuzz::LedgerFixture fixture(scratch);
  std::string_view rest = fuzz::as_view(data, size);
  ledger::CertificateRequest req;
  for (std::string* field : {&req.batch_id, &req.medium, &req.method, &req.tool, &req.tool_version,
                             &req.verification, &req.date, &req.place, &req.operator_name, &req.witness})
    *field = std::string(fuzz::take_line(rest));
  const auto quantity = fuzz::take_line(rest);
  int q = 0;
  if (auto [p, ec] = std::from_chars(quantity.data(), quantity.data() + quantity.size(), q);
      ec == std::errc() && p == quantity.data() + quantity.size())
    req.quantity = q;
  const std::string file(rest);
  if (file.rfind("%PDF", 0) == 0) {
    req.matcher = report::certificate_matcher();
  } else {
    req.matcher = [](const std::string& bytes) {
      std::string_view text = bytes;
      return report::parse_certificate_payload(fuzz::take_line(text));
    };
  }
  req.file = scratch.write("certificate.pdf", file);
  auto l = fixture.fresh();
  auto r = l.import_certificate(req, fixture.actor());
  for (const auto& d : r.problems) (void)format(d);
  if (r.ok() && r.value.batches != std::vector<std::string>{fuzz::kBatch})
    fuzz::violated("a certificate was recorded for a batch the ledger does not hold");
  return 0;
}
