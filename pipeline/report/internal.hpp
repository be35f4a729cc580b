// Internal to report: pages drawn with the text layer's canvas, and a small document
// model (sections of key/value pairs, tables and text) that prints both as plain text and as PDF,
// so the review sheet on stdout and in review.pdf cannot drift apart.
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/core.hpp"
#include "display/display.hpp"
#include "render/render.hpp"
#include "text/text.hpp"

namespace tsuchi::report::detail {

inline constexpr double kPageW = 210, kPageH = 297;  // A4 portrait, mm
inline constexpr double kMargin = 18;                  // left, right and top, mm
inline constexpr double kBottom = kPageH - 18;         // content ends here; the footer sits below

using text::Align;
using text::Box;
using text::Canvas;
using text::Role;

// Report paragraphs are set at 1.45 times their type size (pt); the leading in mm.
inline double leading(double size) { return display::mm(size * 1.45); }

// A blank A4 page of a report document, drawn on with a text::Canvas.
display::Page form_page();
// A QR code whose top-right corner (quiet zone included) is at (right, y); its value is listed
// in Page::codes. Returns its side in mm.
Checked<double> qr(Canvas& c, std::string_view text, double right, double y, double module_mm,
                   display::CodeKind kind);
// The pages as one document; every page gets "<footer>" at the bottom left and "i / n" at the right.
display::Document document(std::vector<display::Page> pages, const text::TextEngine& te, const std::string& footer);

// The words the three documents share, in one place so that the review sheet, the reconcile report
// and the certificate form call each thing by the same name.
namespace ja {
inline constexpr const char* sealed = "封入";        // put into an envelope and sealed (worklog "inserted")
inline constexpr const char* mailed = "発送";        // reported mailed by the contractor
inline constexpr const char* returned = "返戻";      // returned as undeliverable
inline constexpr const char* open_return = "返戻対応中";  // returned, follow-up still open
inline constexpr const char* spoiled = "損紙";       // spoiled sheets in the work log
inline constexpr const char* destroyed = "廃棄";     // spoiled sheets certified destroyed
inline constexpr const char* missing = "未着";       // sealed, never reported mailed
inline constexpr const char* overdue = "期限超過";
inline constexpr const char* approval = "承認";
inline constexpr const char* not_handed = "未引渡";  // sealed, the batch not yet handed over
inline constexpr const char* handover = "引渡";
inline constexpr const char* receipt = "受領書";
inline constexpr const char* worklog = "作業報告";
inline constexpr const char* certificate = "証明書";
inline constexpr const char* closed = "完了";
inline constexpr const char* batch = "バッチ";
inline constexpr const char* batch_id = "バッチID";
inline constexpr const char* run_id = "実行ID";
inline constexpr const char* envelope_id = "封筒ID";
inline constexpr const char* case_id = "認定番号";
inline constexpr const char* month = "対象月";
inline constexpr const char* envelopes = "封筒";
inline constexpr const char* pages = "頁";
inline constexpr const char* sheets = "枚数";
inline constexpr const char* count = "件数";
inline constexpr const char* total = "合計";
inline constexpr const char* made_at = "作成日時";
inline constexpr const char* audit_head = "監査ログ先頭";
inline constexpr const char* none = "なし";
inline constexpr const char* done = "済";
inline constexpr const char* not_done = "未";
inline constexpr const char* yen = "（円）";
// The sign-off box: who made the document, who checked it, who approved it, each with a seal.
inline constexpr const char* signers[] = {"作成者", "確認者", "承認者"};
inline constexpr const char* seal = "印";
}  // namespace ja

// The sign-off box (作成者 / 確認者 / 承認者, each with a 印 cell) under a line naming the audit head
// the document was made at, drawn with its top at y; returns its height (sign_off_height()).
double sign_off(Canvas& c, double y, const std::string& head, const std::string& made_at);
double sign_off_height();

// ---- document model ----
struct Pairs {
  std::vector<std::pair<std::string, std::string>> rows;
};
struct Column {
  // A constructor rather than an aggregate: most columns leave `small` out.
  Column(std::string header, double width_mm = 20, bool right = false, std::string small = {})
      : header(std::move(header)), width_mm(width_mm), right(right), small(std::move(small)) {}
  std::string header;
  double width_mm = 20;
  bool right = false;  // numbers are right-aligned
  std::string small;   // small print under the header in the PDF: the contractor's word for it
};
struct Table {
  std::vector<Column> columns;
  std::vector<std::vector<std::string>> rows;
  bool last_row_total = false;  // drawn with a rule above it
};
struct Text {
  std::string text;
  bool alert = false;  // printed red
};
using Block = std::variant<Pairs, Table, Text>;
struct Section {
  std::string heading;
  std::vector<Block> blocks;
};
struct Report {
  std::string title;
  std::vector<Section> sections;
  std::string footer;  // PDF page footer (ids only)
  std::string head, made_at;  // the audit head and time the document was made at, by the sign-off box
};

// Fixed-width text: titles underlined, pairs aligned, table columns padded (East Asian wide = 2).
std::string to_text(const Report& r);
// The same content laid out on A4 pages, ending with the sign-off box. No page ends with a heading
// or a table header without two of its lines, a block or section never leaves one line alone on a
// page, and the sign-off box stays with the last lines.
Checked<std::string> to_pdf(const Report& r, const text::TextEngine& te, const render::PdfOptions& opt);

// 12,300 / -12,300 / +12,300 (signed) without the yen sign: tables carry the unit in their header.
std::string amount(Yen v, bool sign = false);
// "a, b, c" with at most `limit` items, then "… ほか N 件".
std::string list(const std::vector<std::string>& items, std::size_t limit);

}  // namespace tsuchi::report::detail
