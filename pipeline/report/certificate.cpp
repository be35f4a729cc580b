// The destruction/return certificate form (データ消去・返却証明書, SPEC §9) and reading a returned,
// scanned form back: its QR code names the batch and the manifest digest it was printed for.
#define ZX_USE_UTF8 1  // ZXing 1.4: Result::text() as UTF-8 std::string
#include <ZXing/DecodeHints.h>
#include <ZXing/ImageView.h>
#include <ZXing/ReadBarcode.h>
#include <poppler-document.h>
#include <poppler-image.h>
#include <poppler-page-renderer.h>
#include <poppler-page.h>

#include <algorithm>
#include <memory>

#include "report/internal.hpp"
#include "report/report.hpp"

namespace tsuchi::report {

namespace {
constexpr std::string_view kPrefix = "TSUCHI-CERT/";

bool hex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// Batch ids are run id + "-B" + number: letters, digits, '-' and '_' (as `tsuchi run` allows).
bool batch_id_ok(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  return true;
}

Diagnostic problem(const std::string& file, const std::string& reason) {
  Diagnostic d;
  d.file = file;
  d.reason = reason;
  return d;
}
}  // namespace

std::string certificate_payload(const ledger::FormCode& code) {
  return std::string(kPrefix) + code.batch_id + "/" + code.manifest_sha256;
}

std::optional<ledger::FormCode> parse_certificate_payload(std::string_view text) {
  if (text.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  text.remove_prefix(kPrefix.size());
  const auto slash = text.rfind('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view batch = text.substr(0, slash), digest = text.substr(slash + 1);
  if (!batch_id_ok(batch) || !hex64(digest)) return std::nullopt;
  return ledger::FormCode{std::string(batch), std::string(digest)};
}

Checked<std::string> certificate_form_pdf(const CertificateForm& f, const text::TextEngine& te) {
  using namespace detail;
  display::Page page = form_page();
  Canvas c(page, te);
  const double left = kMargin, right = kPageW - kMargin, width = right - left;
  const ledger::FormCode code{f.batch.batch_id, f.batch.manifest_sha256};
  auto qr = detail::qr(c, certificate_payload(code), right, 14, kFormModuleMm, display::CodeKind::certificate_qr);
  if (!qr.ok()) return {{}, qr.problems};
  const double text_w = width - qr.value - 4;  // the header stays clear of the code

  c.text("データ消去・返却証明書", Role::mincho, 18, left, 26, {.max_w = text_w});
  c.text("Certificate of sanitization / return of print data (NIST SP 800-88 Rev. 1)", Role::gothic, 8, left, 32,
         {.max_w = text_w});
  c.text((f.addressee.empty() ? std::string("　　　　　　　　　　") : f.addressee) + "　様", Role::mincho, 12, left,
         43);
  if (f.addressee.empty()) c.hline(left, 44, 50);
  double y = 14 + qr.value + 4;
  y += c.paragraph(
      "下記のバッチについて、受領した電子データ（暗号化アーカイブ及び受け渡し媒体）並びに印刷・封入封緘の工程で"
      "生じた損紙を、下記のとおり消去・廃棄（又は返却）したことを証明します。",
      Role::mincho, 9.5, left, y, width, leading(9.5));
  y += 4;

  // What the city printed: the batch this form belongs to.
  const double label_w = 52, row = 7;
  auto printed = [&](const std::string& label, const std::string& value, double size = 9.5) {
    c.fill({left, y, label_w, row}, 0.92);
    c.stroke({left, y, width, row}, 0.5);
    c.stroke({left, y, label_w, row}, 0.5);
    c.text(label, Role::gothic, 8.5, left + 2, y + 4.8, {.max_w = label_w - 4});
    c.text(value, Role::gothic, size, left + label_w + 2, y + 4.8,
           {.max_w = width - label_w - 4, .origin = display::TextOrigin::code});  // ids, counts, digest
    y += row;
  };
  printed(std::string(ja::batch_id) + " Batch", f.batch.batch_id);
  printed(std::string(ja::run_id) + " Run", f.batch.run_id);
  printed("封筒・頁・枚数 Counts", std::to_string(f.batch.envelopes) + " 通 / " + std::to_string(f.batch.pages) +
                                       " 頁 / " + std::to_string(f.batch.sheets) + " 枚");
  printed("マニフェスト SHA-256 Manifest", f.batch.manifest_sha256, 8);
  y += 3;

  // What the contractor fills in by hand (NIST SP 800-88 Rev. 1, appendix G fields).
  auto field = [&](const std::string& ja, const std::string& en, double h = 9) {
    c.fill({left, y, label_w, h}, 0.92);
    c.stroke({left, y, width, h}, 0.5);
    c.stroke({left, y, label_w, h}, 0.5);
    c.text(ja, Role::gothic, 9, left + 2, y + 4.1, {.max_w = label_w - 4});
    c.text(en, Role::gothic, 6.5, left + 2, y + 7.6, {.max_w = label_w - 4, .gray = 0.25});
    const double top = y;
    y += h;
    return top;
  };
  const double vx = left + label_w + 3;
  // Check boxes on one line, each after the previous item's text; returns where the line ends.
  auto boxes = [&](double top, double baseline, std::initializer_list<const char*> items) {
    double x = vx;
    for (const char* item : items) {
      c.checkbox(x, top + baseline - 3.1);
      c.text(item, Role::gothic, 8.5, x + 4.5, top + baseline);
      x += 4.5 + c.width(item, Role::gothic, 8.5) + 8;
    }
    return x;
  };
  double t = field("対象媒体", "Medium (one form per medium)", 13);
  boxes(t, 5, {"暗号化アーカイブ archive", "損紙 spoiled paper"});
  const double media_end = boxes(t, 10.8, {"受け渡し媒体 media id："}) - 8;
  c.hline(media_end, t + 11.4, right - 3 - media_end);
  t = field(std::string("消去・") + ja::destroyed + "の方法", "Method (NIST SP 800-88)", 13);
  boxes(t, 5, {"Clear 消去", "Purge 除去", "Destroy 破壊"});
  c.text("具体的な方法 how：", Role::gothic, 8.5, vx, t + 10.8);
  t = field("使用ツール・バージョン", "Tool and version");
  t = field("検証の方法・結果", "Verification (method, result)");
  t = field("実施日", "Date");
  c.text("　　　　　年　　　　月　　　　日", Role::mincho, 10, vx, t + 6.2);
  field("実施場所", "Place");
  field("実施者", "Operator");
  field("立会人", "Witness");
  t = field(std::string(ja::spoiled) + "の" + ja::destroyed + "枚数", "Spoiled sheets destroyed");
  c.text("枚 sheets", Role::gothic, 9, vx + 40, t + 6.2);
  field("返却の場合（品目・返却先・日付）", "If returned instead: what, to whom, date");
  y += 3;

  // Signature and seal boxes (署名・押印).
  const double box_w = (width - 8) / 3, box_h = 22;
  const char* heads[] = {"実施者 署名・印  Operator", "立会人 署名・印  Witness", "受託者 代表者印  Contractor"};
  for (int i = 0; i < 3; ++i) {
    const double x = left + i * (box_w + 4);
    c.fill({x, y, box_w, 6}, 0.92);
    c.stroke({x, y, box_w, box_h}, 0.5);
    c.text(heads[i], Role::gothic, 8, x + 2, y + 4.3, {.max_w = box_w - 4});
  }
  y += box_h + 3;
  c.text("受託者 名称 Contractor：", Role::gothic, 9, left, y + 4);
  c.hline(left + 42, y + 5, width - 42);
  y += 8;

  std::string back = "記入・署名押印のうえ、原本又はスキャン（150〜200 dpi）を" +
                     (f.return_to.empty() ? std::string("発注元") : f.return_to) +
                     "へ返送してください。右上のQRコードは汚したり折り曲げたりしないでください。";
  y += c.paragraph(back, Role::gothic, 8.5, left, y, width, leading(8.5));
  y += c.paragraph(
      "Fill in, sign and return the original or a scan at 150–200 dpi. Keep the QR code clean and unfolded: "
      "it matches this form to batch " +
          f.batch.batch_id + ".",
      Role::gothic, 7, left, y + 0.5, width, leading(7));

  // The city's own sign-off: who printed the form, who checked it on its return, who approved.
  const double top = std::max(y + 3, kBottom - sign_off_height());
  sign_off(c, top, f.head.text(), f.printed_at);
  c.text("市の処理欄（受領・確認・承認）", Role::gothic, 8, left, top + 16);
  c.text("for the city's use", Role::gothic, 6.5, left, top + 19.5, {.gray = 0.25});

  render::PdfOptions opt;
  opt.title = "データ消去・返却証明書 " + f.batch.batch_id;
  if (f.printed_at.size() >= 19) opt.creation_date = f.printed_at.substr(0, 19);
  return render::pdf_bytes(
      document({std::move(page)}, te,
               "データ消去・返却証明書 — バッチ " + f.batch.batch_id + " — 印刷 " + f.printed_at),
      opt);
}

namespace {

std::vector<ledger::FormCode> decode(const poppler::image& img) {
  std::vector<ledger::FormCode> out;
  ZXing::ImageView view(reinterpret_cast<const std::uint8_t*>(img.const_data()), img.width(), img.height(),
                        ZXing::ImageFormat::Lum, img.bytes_per_row());
  ZXing::DecodeHints hints;
  // A scan may be skewed, upside down or noisy: the slow, thorough detector is worth it here.
  hints.setFormats(ZXing::BarcodeFormat::QRCode).setTryHarder(true).setTryRotate(true);
  for (const auto& r : ZXing::ReadBarcodes(view, hints))
    if (auto code = parse_certificate_payload(r.text())) out.push_back(*code);
  return out;
}

}  // namespace

Checked<std::vector<ledger::FormCode>> read_form_codes(const std::string& pdf_bytes, double dpi) {
  Checked<std::vector<ledger::FormCode>> r;
  std::unique_ptr<poppler::document> doc(
      poppler::document::load_from_raw_data(pdf_bytes.data(), static_cast<int>(pdf_bytes.size())));
  if (!doc || doc->is_locked()) {
    r.problems.push_back(problem("", "not a PDF that Poppler can read"));
    return r;
  }
  poppler::page_renderer renderer;
  renderer.set_image_format(poppler::image::format_gray8);
  renderer.set_render_hint(poppler::page_renderer::antialiasing, true);
  renderer.set_render_hint(poppler::page_renderer::text_antialiasing, true);
  for (int i = 0; i < doc->pages(); ++i) {
    std::unique_ptr<poppler::page> page(doc->create_page(i));
    if (!page) continue;
    // A finer raster only when the first finds nothing: most scans are read at `dpi` already.
    std::vector<ledger::FormCode> codes;
    for (double res : {dpi, std::max(dpi, 200.0)}) {
      poppler::image img = renderer.render_page(page.get(), res, res);
      if (img.is_valid() && img.format() == poppler::image::format_gray8) codes = decode(img);
      if (!codes.empty() || res >= 200) break;
    }
    r.value.insert(r.value.end(), codes.begin(), codes.end());
  }
  return r;
}

ledger::CertificateMatcher certificate_matcher() {
  return [](const std::string& file_bytes) -> std::optional<ledger::FormCode> {
    auto codes = read_form_codes(file_bytes);
    if (!codes.ok() || codes.value.empty()) return std::nullopt;
    const auto& first = codes.value.front();
    for (const auto& c : codes.value)
      if (c.batch_id != first.batch_id || c.manifest_sha256 != first.manifest_sha256) return std::nullopt;
    return first;
  };
}

Checked<ledger::CertificateMatcher> file_matcher(const std::string& file_name, const std::string& file_bytes) {
  Checked<ledger::CertificateMatcher> out;
  auto codes = read_form_codes(file_bytes);
  std::vector<std::pair<std::string, std::string>> forms;  // distinct (batch, manifest digest)
  for (const auto& c : codes.value)
    if (std::find(forms.begin(), forms.end(), std::pair{c.batch_id, c.manifest_sha256}) == forms.end())
      forms.emplace_back(c.batch_id, c.manifest_sha256);
  if (forms.size() > 1) {
    Diagnostic d;
    d.file = file_name;
    d.reason = "the file holds the forms of " + std::to_string(forms.size()) +
               " different batches or manifests: import each batch's form on its own, or pass --batch";
    out.problems.push_back(std::move(d));
  } else if (forms.size() == 1) {
    const auto code = codes.value.front();
    out.value = [code](const std::string&) { return std::optional<ledger::FormCode>(code); };
  }
  return out;
}

}  // namespace tsuchi::report
