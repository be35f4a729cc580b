#include <algorithm>
#include <cstdio>

#include "produce/internal.hpp"

namespace tsuchi::produce::detail {

namespace {

// Once drawn, a page is kept only as preflight reads it: each run's text, the codes and the
// numbering. Its glyphs and bars (most of a display list) go, so a batch in flight stays small.
void keep_only_what_preflight_reads(display::Page& p) {
  for (auto& r : p.runs) {
    std::vector<display::Glyph>().swap(r.glyphs);
    std::vector<display::Cluster>().swap(r.clusters);
  }
  p.runs.shrink_to_fit();  // a page's runs grew by doubling: up to half of it was spare room
  std::vector<display::Rect>().swap(p.rects);
  std::vector<display::Image>().swap(p.images);
}

// The batch's envelopes from its packed cases, with the run-wide numbers of the plan.
Checked<std::vector<compose::Envelope>> compose_batch(PlannedBatch& b, const BatchContext& ctx) {
  const std::string packed = inflated(b.cases, b.packed_size);
  if (packed.size() != b.packed_size) return {{}, {stage_error(b.batch_id, "the packed cases do not inflate")}};
  std::string().swap(b.cases);
  auto decided = decide::decide(unpack_all(packed), ctx.in.fees, ctx.in.municipality, ctx.cal);
  if (!decided.ok()) return {{}, decided.problems};
  auto composed = compose::compose_checked(decided.value, ctx.in.municipality);
  if (!composed.ok()) return composed;
  auto& envelopes = composed.value;
  if (static_cast<int>(envelopes.size()) != b.envelopes)
    return {{}, {stage_error(b.batch_id, "composing the batch alone gave " + std::to_string(envelopes.size()) +
                                             " envelopes, the run's plan " + std::to_string(b.envelopes))}};
  for (std::size_t k = 0; k < envelopes.size(); ++k) envelopes[k].sequence = b.first_sequence + static_cast<int>(k);
  return composed;
}

// Every value of a CSV as its reader gives it (="…" unwrapped), one a line.
std::string values_of(const std::string& csv_bytes) {
  Diagnostics ignored;  // the bytes were just written by the CSV writer
  csv::Reader reader(csv_bytes, "insertion.csv", ignored);
  std::string values;
  for (csv::Record rec; reader.next(rec);)
    for (const auto& f : rec.fields) values += f + "\n";
  return values;
}

}  // namespace

Diagnostics render_batch(PlannedBatch& planned, const BatchContext& ctx, const typeset::Typesetter& ts,
                         render::FontCache& fonts, Timings& tm, InFlight& f) {
  std::vector<compose::Envelope> envelopes;
  {
    Timer t(tm, "compose", true);
    auto composed = compose_batch(planned, ctx);
    if (!composed.ok()) return composed.problems;
    envelopes = std::move(composed.value);
  }
  Batch& b = f.batch;
  display::Document& doc = f.doc;
  b.summary.batch_id = planned.batch_id;
  b.summary.index = planned.index;
  b.summary.total = ctx.total;
  doc.faces = ts.faces();
  char name[32];
  std::snprintf(name, sizeof name, "preview-%03d.pdf", planned.index);
  b.pdf_name = ctx.opt.preview ? std::string(name) : planned.batch_id + ".pdf";
  csv::Writer list = insertion_list(ctx.in.municipality.csv,
                                    ctx.opt.preview ? "insertion.csv" : planned.batch_id + "/data/insertion.csv");
  render::PdfOptions po;
  po.title = planned.batch_id;
  po.creation_date = ctx.opt.pdf_date;
  render::PdfWriter writer(ts.faces(), po, [&b](std::string_view bytes) { b.pdf.append(bytes); }, &fonts);
  double typeset_cpu = 0, render_cpu = 0;
  std::vector<std::string> codes;
  const auto& mailing = ctx.in.municipality.mailing;
  auto& figures = b.summary.mailing;
  figures.max_sheets = mailing.max_sheets;
  figures.max_g = mailing.max_g;
  figures.paper_g = mailing.paper_g;
  figures.envelope_g = mailing.envelope_g;
  TypesetAhead ahead;
  ahead.envelopes = &envelopes;
  ahead.batch_id = planned.batch_id;
  ahead.done.resize(envelopes.size());
  if (ctx.board) ctx.board->open(&ahead);
  // Closes the board entry and waits out any helper before `ahead` goes, on every way out.
  struct Close {
    TypesetAhead& a;
    const AheadBoard* board;
    bool closed = false;
    void now() {
      if (closed) return;
      closed = true;
      if (board) board->close(&a);
      std::unique_lock lock(a.m);
      a.cv.wait(lock, [&] { return a.helpers == 0; });
    }
    ~Close() { now(); }
  } close{ahead, ctx.board};
  for (std::size_t k = 0; k < envelopes.size(); ++k) {
    const auto& e = envelopes[k];
    const double c0 = thread_cpu();
    Checked<std::vector<typeset::Mailpiece>> pieces;
    {
      std::unique_lock lock(ahead.m);
      if (ahead.next <= k) {  // nobody has it: typeset it here
        ahead.next = k + 1;
        lock.unlock();
        pieces = ts.mailing(e, planned.batch_id);
        lock.lock();
      } else {
        ahead.cv.wait(lock, [&] { return ahead.done[k] != nullptr; });
        pieces = std::move(*ahead.done[k]);
        ahead.done[k].reset();
      }
      ahead.drawn = k + 1;
    }
    if (ctx.board && (k + 1) % TypesetAhead::kChunk == 0) ctx.board->moved();
    if (!pieces.ok()) return pieces.problems;
    std::vector<display::Page> pages;
    for (auto& piece : pieces.value) {
      const int first = static_cast<int>(doc.pages.size() + pages.size()) + 1;
      const int n = piece.sheets();
      const double grams = mailing.grams(n);
      codes.clear();
      for (const auto& p : piece.pages)
        for (const auto& code : p.codes) codes.push_back(code.value);
      Diagnostics unwritable;
      if (!insertion_row(list, piece.envelope_id, n, e.to.postal_code, codes, b.pdf_name, first, grams,
                         piece.part_text(), unwritable))
        return unwritable;
      record_envelope(b.summary, piece.contents, piece.envelope_id, n);
      weigh_envelope(figures, n, grams, piece.part, piece.cover);
      for (auto& p : piece.pages) pages.push_back(std::move(p));
    }
    const double c1 = thread_cpu();
    for (const auto& p : pages) writer.add(p);
    const double c2 = thread_cpu();
    if (ctx.drawn) ctx.drawn->add(static_cast<std::int64_t>(pages.size()));
    for (auto& p : pages) {
      keep_only_what_preflight_reads(p);
      doc.pages.push_back(std::move(p));
    }
    typeset_cpu += c1 - c0 + (thread_cpu() - c2);
    render_cpu += c2 - c1;
  }
  close.now();  // no helper may look at the envelopes once they go
  b.insertion_csv = list.take();
  std::vector<compose::Envelope>().swap(envelopes);
  {
    Timer t(tm, "render", true);
    auto finished = writer.finish();
    if (!finished.ok()) return finished.problems;
    b.pdf.shrink_to_fit();
  }
  tm.add("typeset", typeset_cpu);
  tm.add("render", render_cpu);
  // Exact match only: customer-barcode data and GS1 payloads can pass the check digit by chance. On
  // the bytes written and on the values read back, as a long code's ="…"&"…" could part its digits.
  if (ctx.opt.my_numbers &&
      (ctx.opt.my_numbers->contains(b.insertion_csv) || ctx.opt.my_numbers->contains(values_of(b.insertion_csv))))
    return {stage_error(planned.batch_id, "insertion.csv holds a My Number of the input; nothing was sealed")};
  return {};
}

void DrawnPages::add(std::int64_t pages) {
  if (!sink_) return;
  std::lock_guard lock(m_);
  ++envelopes_;
  pages_ += pages;
  sink_->halfway(pages);
  const bool all = envelopes_ >= envelopes_total_;
  // A household's pages vary (1 to a dozen): an estimate waits for a few of them.
  if (all || envelopes_ >= 16) sink_->total(all ? pages_ : (pages_ * envelopes_total_ + envelopes_ / 2) / envelopes_, !all);
}

void help_typeset(TypesetAhead& a, const typeset::Typesetter& ts) {
  std::size_t from, to;
  {
    std::lock_guard lock(a.m);
    from = a.next;
    to = std::min({a.envelopes->size(), from + TypesetAhead::kChunk, a.drawn + TypesetAhead::kLead});
    a.next = std::max(a.next, to);
  }
  for (std::size_t k = from; k < to; ++k) {
    auto pieces = std::make_unique<Checked<std::vector<typeset::Mailpiece>>>(ts.mailing((*a.envelopes)[k], a.batch_id));
    std::lock_guard lock(a.m);
    a.done[k] = std::move(pieces);
    a.cv.notify_all();
  }
  std::lock_guard lock(a.m);
  --a.helpers;
  a.cv.notify_all();
}

}  // namespace tsuchi::produce::detail
