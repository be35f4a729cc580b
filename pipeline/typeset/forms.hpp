// Internal to typeset: the notice and slip forms. Their wording (templates/*.toml) and positions
// (layouts/*.toml, millimetres) are data read at run time, so a city or a revised form needs no
// rebuild; the page builders below place that data with the text engine and barcode drawings.
#pragma once
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "barcode/barcode.hpp"
#include "display/display.hpp"
#include "text/text.hpp"
#include "typeset/typeset.hpp"

namespace tsuchi::typeset::forms {

using display::CodeKind;
using display::GlyphRun;
using display::mm;
using display::Page;
using display::PageKind;
using display::pt;
using display::TextOrigin;
using text::Align;
using text::Box;
using text::Canvas;
using text::Role;
using text::TextBlock;
using text::TextEngine;

// ---- Placeholders: "{name}" in a template, filled from (name, value) pairs ----
using Vars = std::vector<std::pair<std::string_view, std::string>>;
std::string fill(std::string_view tmpl, const Vars& vars);
// Placeholder names in `tmpl` that are not in `allowed` (a typo in a template is caught at load).
std::vector<std::string> unknown_placeholders(std::string_view tmpl, const std::vector<std::string_view>& allowed);
// The ceiling as the note prints it: 30万円 for whole 万, else 12,345円.
std::string ceiling_text(Yen ceiling);

// ---- Wording (templates/) ----
struct NoticeText {
  std::string title_decision, title_change, title_continued;
  std::string number, date, issuer, honorific, envelope, page_number;
  std::string salutation_decision, salutation_change, ki, fiscal_year_join;
  std::map<std::string, std::string, std::less<>> labels;  // by table field
  std::vector<std::string> certification;                   // by certification_type - 1
  std::string care_standard, care_short, care_none, changed;
  std::string bracket, period, period_single;
  // 納付方法: by slip, by account transfer (its account and 振替日), or nothing to pay.
  std::string pay_transfer, pay_slip, pay_slip_separate, pay_none, pay_zero_months;
  std::string transfer_account, transfer_monthly, transfer_due;
  // 副食費 cell and note by decide::SideDish (billed prints the amount).
  std::string side_dish_included, side_dish_facility, side_dish_exempt;
  std::string note_included, note_facility, note_exempt;
  std::string reduction_free_education, reduction_half, reduction_free, reduction_other, reduction_join;
  std::string previous_none;  // a change notice whose 変更前 amounts were not given
  std::string appeal_heading, contact_heading;
  std::vector<std::string> contact_lines;
};

struct SlipPartText {
  std::string title, note, note_no_store;
  // `text` when the slip carries the store barcode; `text_no_store` when it does not (over the
  // ceiling, or no store contract), which must name no convenience store.
  std::vector<std::string> text, text_no_store;
};

struct SlipText {
  std::vector<SlipPartText> parts;
  std::map<std::string, std::string, std::less<>> labels;  // by cell field, plus "stamp"
  std::string issuer, period, payer, amount;
  std::string subject_user_charge, subject_side_dish, subject_both;  // 科目 by what the slip bills
  std::vector<int> reference_groups;  // digits per group of the 納付番号; the last repeats
  std::string group_separator;
  std::string el_mark, el_number;     // the drawn eL mark's text; the eL番号 line ({number})
  std::vector<int> el_number_groups;
  std::string ceiling_note, no_barcode_note;
};

// ---- Positions (layouts/), millimetres; sizes in points ----

struct QrPlace {
  double x = 0, y = 0, module = 0.4;
};

struct NoticeLayout {
  double page_w = 210, page_h = 297;
  Box window;            // the window on the folded sheet, the sheet in the middle of its travel
  double shift_x = 0, shift_y = 0;  // worst-case travel of the sheet from there, each way
  // What the window shows however the sheet moves: every recipient line and the customer barcode stay in it.
  Box printable() const { return {window.x + shift_x, window.y + shift_y, window.w - 2 * shift_x, window.h - 2 * shift_y}; }
  struct {
    double postal_size, label_size, address_size, address_min_size, address_leading, name_size, name_min_size,
        min_hscale, name_gap, barcode_pt, barcode_gap;
  } recipient{};
  struct Anchor {
    double x, y, size;
  } number{}, date{}, title{}, page_number{};
  struct {
    double x, y, size, seal_size;
  } issuer{};
  struct {
    double x, w, top, continued_top, continued_title_y, bottom, size, leading, gap;
  } body{};
  struct {
    double row_h, label_w, label_size, label_gray, rule, pad, min_size;
    std::vector<std::string> rows;
  } table{};
  struct {
    std::vector<double> cols;  // 適用期間 | 利用者負担額 | 副食費, right of the label column
    double head_h, row_h, head_size;
  } periods{};
  struct {
    double gap, heading_size, size, leading, paragraph_gap;
  } appeal{};
  struct {
    double x, bottom, w, size, leading, pad;
  } contact{};
  struct {
    double x, length;
    std::vector<double> y;
  } fold{};
  // Tried in order when a notice runs onto another page: factors on leadings and on gaps.
  struct {
    std::vector<double> leading, gap;
  } tighten{};
  QrPlace qr;
};

struct SlipCell {
  std::string field;
  Box box;
  Align align = Align::left;
  double size = 0;  // 0: the common value size
};

// A slip's place on the sheet: every part is offset by it.
struct SlipSlot {
  double x = 0, y = 0;
};

struct SlipPart {
  Box box;  // from the slot's top-left; cells, text and codes are relative to box.x, box.y
  bool store_barcode = false;
  bool el = false;     // holds the eL mark, eL番号 and eL-QR when the slip has them
  bool payer = false;  // stays with the payer (領収証書): the insertion QR may sit only here or off every part
  Box text;            // h unused
};

struct SlipLayout {
  std::string file;  // layouts/<name>.toml, for messages
  double page_w = 210, page_h = 297;
  std::vector<SlipSlot> slots;  // one slip per slot, filled in order
  std::vector<SlipPart> parts;
  struct {
    std::vector<double> y, x;  // horizontal lines from x0 to x1, vertical lines from y0 to y1
    double x0, x1, y0, y1, dash, gap, gray;
  } cut{};
  struct {
    double title_x, title_y, title_size, note_x, note_y, note_size, issuer_x, issuer_y, issuer_size;
  } head{};
  struct {
    double label_h, label_size, label_gray, rule, pad, value_size, min_size, min_hscale;
  } cells{};
  std::vector<SlipCell> cell;
  Box stamp;
  struct {
    double size, leading;
  } text{};
  struct {
    double x, y, module, height, max_w, hrt_size, hrt_leading;  // module: from the printer, set at load
  } barcode{};
  struct {
    double x, y, w, size, leading;
  } ceiling{};
  struct {
    Box mark;
    double mark_size = 0;
    std::string image;  // optional PNG of the eL mark; empty: a framed "eL" is drawn
    double number_x = 0, number_y = 0, number_size = 0;
    Box qr;             // the eL-QR's square (w = h = its largest side), quiet zone included
    double qr_module = 0;
  } el;
  QrPlace qr;
};

struct Forms {
  NoticeText notice_text;
  NoticeLayout notice;
  SlipText slip_text;
  SlipLayout slip;
  // Where frames drawn on every page of a kind are kept as shared forms (Canvas::shared); null:
  // everything is drawn on its page.
  std::shared_ptr<text::FormCache> shared;
};

// Reads templates/notice.toml, templates/slip.toml, layouts/notice.toml and the slip layout that
// `m` names (layouts/<slip_layout>.toml) under `data_dir`, with the GS1-128 module from m's printer;
// every problem names its file and key.
Checked<Forms> load_forms(const std::string& data_dir, const tsuchi::Municipality& m);
Checked<Forms> load_forms(const std::string& data_dir);  // the default municipality settings

// The 納付番号 or eL番号 in groups of `sizes` digits (the last size repeats), joined by `sep`.
std::string digit_groups(std::string_view digits, const std::vector<int>& sizes, std::string_view sep);
// 科目 of a slip: user charge, side dish, or both.
std::string slip_subject(const SlipText& t, const decide::Slip& s, const tsuchi::Municipality& m);

// A barcode symbol with its top-left (quiet zone included) at x, y; returns the region it covers.
Box symbol(Canvas& c, const barcode::Symbol& s, double x, double y);

// Vertical position of a baseline that centres CJK text of `size` pt in a band [top, top + h] mm:
// the ideographic em box spans 0.88 em above the baseline to 0.12 em below.
inline double centred_baseline(double top, double h, double size) { return top + h / 2 + mm(size) * 0.38; }

// ---- The forms ----
struct NoticeInput {
  const decide::Decision& decision;
  const compose::Recipient& to;
  std::string envelope_id;
  bool customer_barcode = false;  // only the envelope's first page faces the window
  bool slips_enclosed = true;     // false: this decision's slips go in another envelope (期別 bundles)
};
std::vector<Page> notice_pages(const Forms& f, const TextEngine& te, const tsuchi::Municipality& m,
                               const NoticeInput& in);

// The recipient block in what the window always shows (NoticeLayout::printable): postal code alone
// on its line, address and building (half-width digits, broken only where an address may break),
// name + 様 on one line, the customer barcode under the name, and `window_label` (the envelope id,
// and 1/2 for a split mailing) small at the bottom right. Every run and the barcode carry that area
// as their bounds, so preflight refuses ink that could leave the window. Shared by the notice's
// first page and the cover sheet of a split mailing.
void recipient_block(Canvas& c, const Forms& f, const compose::Recipient& to, const std::string& window_label,
                     bool customer_barcode);

// One slip on a sheet: the slip and the notice of its child (for its name; may be null).
struct SlipOnSheet {
  const compose::SlipWithCode* slip = nullptr;
  const decide::Decision* child = nullptr;
};
// How many slips the slip layout puts on one sheet.
int slips_per_sheet(const Forms& f);
// The sheets for `slips`, in order, slips_per_sheet(f) to a sheet.
std::vector<Page> slip_pages(const Forms& f, const TextEngine& te, const tsuchi::Municipality& m,
                             const std::vector<SlipOnSheet>& slips, const compose::Recipient& to);

// The insertion-check QR "<envelope_id>/<page>-<pages>" at the form's place.
void insertion_qr(Page& page, const TextEngine& te, const QrPlace& at);

// ---- The cover sheet (送付案内, cover.cpp) ----
// A split mailing's part that starts with slips gets one, so a recipient block faces the window.
// Its wording is templates/cover.toml; its geometry the notice's (window, title, body, issuer).
struct CoverText {
  std::string window_label, title, issuer, lead, child, months_range, month_single, total, closing;
};
Checked<CoverText> load_cover_text(const std::string& data_dir);
// The window label of a part: the part's envelope id and "k/n" (also on a notice that opens a part).
std::string part_label(const CoverText& t, const std::string& envelope_id, int part, int parts);
struct CoverInput {
  const compose::Envelope& household;  // for the children's names, as the notices print them
  const std::vector<const compose::SlipWithCode*>& slips;  // the slips this part carries
  std::string envelope_id;
  int part = 0, parts = 0;
  bool customer_barcode = false;
};
Page cover_page(const Forms& f, const CoverText& t, const TextEngine& te, const tsuchi::Municipality& m,
                const CoverInput& in);

}  // namespace tsuchi::typeset::forms
