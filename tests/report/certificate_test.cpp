// The certificate form (SPEC §9): its QR code survives printing and scanning — the form is
// rasterized with pdftoppm, wrapped as an image-only PDF with Cairo, read back with Poppler and
// ZXing — and a scanned form is matched to its batch by the ledger without --batch.
#include <doctest/doctest.h>

#include <cairo-pdf.h>
#include <cairo.h>

#include <algorithm>
#include <cmath>

#include "support.hpp"

using namespace tsuchi::report;

namespace {

std::string read(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// What a scanner gives back: `pdftoppm -gray` pages at `dpi`, each drawn as one image on a page
// of the same size (turned by `degrees`, as a sheet fed crooked or upside down), no text at all.
std::string scanned(const TempDir& tmp, const std::vector<std::string>& pdfs, int dpi, double degrees = 0) {
  std::vector<std::string> pngs;
  for (std::size_t i = 0; i < pdfs.size(); ++i) {
    const std::string in = tmp.write("print-" + std::to_string(i) + ".pdf", pdfs[i]);
    const std::string out = tmp.file("scan-" + std::to_string(i));
    const std::string cmd = "pdftoppm -r " + std::to_string(dpi) + " -gray -png -singlefile '" + in + "' '" + out + "'";
    REQUIRE(std::system(cmd.c_str()) == 0);
    pngs.push_back(out + ".png");
  }
  const std::string path = tmp.file("scanned.pdf");
  std::unique_ptr<cairo_surface_t, void (*)(cairo_surface_t*)> pdf(cairo_pdf_surface_create(path.c_str(), 595, 842),
                                                                    cairo_surface_destroy);
  std::unique_ptr<cairo_t, void (*)(cairo_t*)> cr(cairo_create(pdf.get()), cairo_destroy);
  for (const auto& png : pngs) {
    std::unique_ptr<cairo_surface_t, void (*)(cairo_surface_t*)> img(cairo_image_surface_create_from_png(png.c_str()),
                                                                      cairo_surface_destroy);
    REQUIRE(cairo_surface_status(img.get()) == CAIRO_STATUS_SUCCESS);
    const double w = cairo_image_surface_get_width(img.get()), h = cairo_image_surface_get_height(img.get());
    const double pw = w * 72 / dpi, ph = h * 72 / dpi;
    cairo_pdf_surface_set_size(pdf.get(), pw, ph);
    cairo_save(cr.get());
    cairo_set_source_rgb(cr.get(), 1, 1, 1);
    cairo_paint(cr.get());
    cairo_translate(cr.get(), pw / 2, ph / 2);
    cairo_rotate(cr.get(), degrees * M_PI / 180);
    cairo_scale(cr.get(), 72.0 / dpi, 72.0 / dpi);
    cairo_translate(cr.get(), -w / 2, -h / 2);
    cairo_set_source_surface(cr.get(), img.get(), 0, 0);
    cairo_paint(cr.get());
    cairo_restore(cr.get());
    cairo_show_page(cr.get());
  }
  cr.reset();
  cairo_surface_finish(pdf.get());
  pdf.reset();
  return read(path);
}

// A ledger holding one sealed run of three envelopes.
struct Sealed : Office {
  std::string batch;
  Sealed() {
    RunBuilder b("R20250901", "sato", "2025-09-01T00:30:00Z", "2025-09");
    b.notice(1, "C001").slip(1, "C001", "2025-09", 30000).slip(1, "C001", "2025-10", 30000);
    b.notice(2, "C002").slip(2, "C002", "2025-09", 30000);
    b.notice(3, "C003");
    b.seal(tmp);
    record(*this, b.rec);
    batch = b.batch_id();
  }
  // Approved and handed over: only then is a certificate for the batch evidence (issue 12).
  void hand_over() {
    const std::string sheet = sha256("review of run R20250901\n");
    must(l.record_review("R20250901", sheet, staff), "review");
    if (!l.approve("R20250901", sheet, approver).ok()) throw std::runtime_error("approve");
    must(l.handover(batch, staff, "courier", ""), "handover");
    clock.set("2025-09-30T01:00:00Z");
  }
  CertificateForm form() const {
    return {*l.batch(batch), "熊谷市長", "熊谷市 こども未来部 保育課", "2025-09-20T01:00:00Z", l.head()};
  }
  CertificateRequest request(const std::string& file) const {
    CertificateRequest c;
    c.file = file;
    c.medium = "archive";
    c.method = "Purge";
    c.tool = "nwipe";
    c.tool_version = "0.34";
    c.verification = "read-back";
    c.date = "2025-09-20";
    c.place = "plant";
    c.operator_name = "op-17";
    c.witness = "w-03";
    c.matcher = certificate_matcher();
    return c;
  }
};

}  // namespace

TEST_CASE("certificate payload: TSUCHI-CERT/<batch>/<manifest sha256>, nothing else accepted") {
  const std::string digest(64, 'a');
  CHECK(certificate_payload({"R20250901-B001", digest}) == "TSUCHI-CERT/R20250901-B001/" + digest);
  auto ok = parse_certificate_payload("TSUCHI-CERT/R20250901-B001/" + digest);
  REQUIRE(ok);
  CHECK(ok->batch_id == "R20250901-B001");
  CHECK(ok->manifest_sha256 == digest);
  const std::string bad[] = {
      "TSUCHI-CERT/R20250901-B001/" + std::string(63, 'a'),  // digest too short
      "TSUCHI-CERT/R20250901-B001/" + std::string(64, 'A'),  // upper-case hex is not what we print
      "TSUCHI-CERT//" + digest,                               // no batch
      "TSUCHI-CERT/R2025/0901/" + digest,                     // '/' in a batch id
      "R20250901-B001/000001/1-2",                            // an insertion-check code
      "tsuchi-cert/R20250901-B001/" + digest,
  };
  for (const auto& b : bad) CHECK_MESSAGE(!parse_certificate_payload(b), b);
}

TEST_CASE("the form prints the batch, its digest, the NIST SP 800-88 fields and the city's sign-off") {
  Sealed s;
  auto info = s.l.batch(s.batch);
  REQUIRE(info);
  CHECK(info->run_id == "R20250901");
  CHECK((info->envelopes == 3 && info->pages == 6 && info->sheets == 6));
  auto pdf = certificate_form_pdf(s.form(), engine());
  REQUIRE_MESSAGE(pdf.ok(), messages(pdf.problems));
  CHECK(pdf_pages(pdf.value) == 1);
  const std::string text = pdf_text(pdf.value);
  CAPTURE(text);
  // Poppler may drop the narrow spaces between CJK and digits: compare without spaces.
  auto squeeze = [](std::string x) {
    x.erase(std::remove(x.begin(), x.end(), ' '), x.end());
    return x;
  };
  for (const std::string& want : {s.batch, info->manifest_sha256, std::string("熊谷市長"), std::string("NIST SP 800-88"),
                                 std::string("Clear"), std::string("Purge"), std::string("Destroy"),
                                 std::string("実施日"), std::string("実施場所"), std::string("実施者"),
                                 std::string("立会人"), std::string("損紙の廃棄枚数"), std::string("Tool and version"),
                                 std::string("Verification"), std::string("3 通 / 6 頁 / 6 枚"),
                                 std::string("熊谷市 こども未来部 保育課"),
                                 // the city's sign-off box, the audit head the form was printed at, the page number
                                 std::string("作成者"), std::string("確認者"), std::string("承認者"),
                                 std::string("監査ログ先頭"), s.l.head().text(), std::string("1 / 1")})
    CHECK_MESSAGE(squeeze(text).find(squeeze(want)) != std::string::npos, want);
  CHECK(text.find("C001") == std::string::npos);  // no case, no person: the form is the contractor's
}

TEST_CASE("a printed and scanned form is read back from its page image") {
  Sealed s;
  auto pdf = certificate_form_pdf(s.form(), engine());
  REQUIRE(pdf.ok());
  const ledger::FormCode want{s.batch, s.l.batch(s.batch)->manifest_sha256};
  struct Scan {
    int dpi;
    double degrees;
  };
  for (const Scan scan : {Scan{150, 0}, Scan{200, 0}, Scan{150, 180}, Scan{150, 1.5}}) {
    CAPTURE(scan.dpi);
    CAPTURE(scan.degrees);
    const std::string image_only = scanned(s.tmp, {pdf.value}, scan.dpi, scan.degrees);
    CHECK(pdf_text(image_only).find(s.batch) == std::string::npos);  // nothing to read but pixels
    auto codes = read_form_codes(image_only);
    REQUIRE_MESSAGE(codes.ok(), messages(codes.problems));
    REQUIRE(codes.value.size() == 1);
    CHECK(codes.value[0].batch_id == want.batch_id);
    CHECK(codes.value[0].manifest_sha256 == want.manifest_sha256);
  }
}

TEST_CASE("the ledger matches a scanned form to its batch without --batch, and refuses a foreign digest") {
  Sealed s;
  const Actor& staff = s.staff;
  auto pdf = certificate_form_pdf(s.form(), engine());
  REQUIRE(pdf.ok());
  const std::string scan = s.tmp.write("certificate-scan.pdf", scanned(s.tmp, {pdf.value}, 150));
  s.hand_over();

  auto r = s.l.import_certificate(s.request(scan), staff);
  REQUIRE_MESSAGE(r.ok(), messages(r.problems));
  CHECK(r.value.batches == std::vector<std::string>{s.batch});
  auto status = s.l.reconcile({"", s.batch, std::nullopt}, &staff);
  REQUIRE(status.ok());
  CHECK(status.value.batches[0].certified_media == std::vector<std::string>{"archive"});

  // A form printed for another manifest (a re-sealed batch, a forged form) is refused.
  CertificateForm forged = s.form();
  forged.batch.manifest_sha256 = sha256("another manifest");
  auto other = certificate_form_pdf(forged, engine());
  REQUIRE(other.ok());
  const std::string foreign = s.tmp.write("foreign-scan.pdf", scanned(s.tmp, {other.value}, 150));
  CHECK(messages(s.l.import_certificate(s.request(foreign), staff).problems) ==
        foreign + ": error: form QR code \"" + s.batch +
            "\": the form's QR code carries another manifest digest than the one sealed for this batch\n");

  // With --batch the code, when there is one, must name that batch.
  auto named = s.request(scan);
  named.batch_id = "R20250901-B002";
  CHECK(messages(s.l.import_certificate(named, staff).problems) ==
        scan + ": error: --batch \"R20250901-B002\": no such batch in the ledger\n");
}

TEST_CASE("files with no form code, or the forms of two batches, are not matched") {
  Sealed s;
  CertificateForm a = s.form(), b = s.form();
  b.batch.batch_id = "R20250901-B002";
  auto pa = certificate_form_pdf(a, engine()), pb = certificate_form_pdf(b, engine());
  REQUIRE((pa.ok() && pb.ok()));
  const std::string both = scanned(s.tmp, {pa.value, pb.value}, 150);
  auto codes = read_form_codes(both);
  REQUIRE(codes.value.size() == 2);
  CHECK(codes.value[1].batch_id == "R20250901-B002");
  CHECK_FALSE(certificate_matcher()(both));
  CHECK(certificate_matcher()(scanned(s.tmp, {pa.value}, 150))->batch_id == s.batch);

  // A review sheet has no form code; bytes that are not a PDF are an error value.
  auto sheet = review_sheet(s.l, "R20250901", {});
  auto sheet_pdf = review_pdf(sheet.value, engine());
  REQUIRE(sheet_pdf.ok());
  CHECK(read_form_codes(sheet_pdf.value).value.empty());
  auto junk = read_form_codes("%PDF-1.4 not really");
  CHECK(messages(junk.problems) == ": error: not a PDF that Poppler can read\n");
  CHECK_FALSE(certificate_matcher()("%PDF-1.4 not really"));
  auto req = s.request(s.tmp.write("typed.pdf", "%PDF-1.4 not really"));
  CHECK(messages(s.l.import_certificate(req, s.staff).problems) ==
        req.file + ": error: no certificate-form QR code found in the file: pass --batch\n");
}

TEST_CASE("import certificate: the form's code decides without --batch; several batches' forms are refused on record") {
  Sealed s;
  s.hand_over();
  const Actor& staff = s.staff;
  CertificateForm a = s.form(), b = s.form();
  b.batch.batch_id = "R20250901-B002";
  auto pa = certificate_form_pdf(a, engine()), pb = certificate_form_pdf(b, engine());
  REQUIRE((pa.ok() && pb.ok()));

  auto req = s.request(s.tmp.write("two-forms.pdf", scanned(s.tmp, {pa.value, pb.value}, 150)));
  req.matcher = nullptr;  // import_certificate chooses the matcher
  auto two = import_certificate(s.l, req, staff);
  CHECK(messages(two.problems) ==
        req.file + ": error: the file holds the forms of 2 different batches or manifests: import each batch's "
                   "form on its own, or pass --batch\n");
  const auto refused = s.l.audit_records().back();
  CHECK((refused.command == "import certificate" && refused.result == "refused: several forms"));

  req = s.request(s.tmp.write("one-form.pdf", scanned(s.tmp, {pa.value}, 150)));
  req.matcher = nullptr;
  auto one = import_certificate(s.l, req, staff);
  REQUIRE_MESSAGE(one.ok(), messages(one.problems));
  CHECK(one.value.batches == std::vector<std::string>{s.batch});
}
