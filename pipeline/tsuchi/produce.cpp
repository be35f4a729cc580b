#include "tsuchi/produce.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>

#include "decide/decide.hpp"
#include "preflight/preflight.hpp"
#include "render/render.hpp"
#include "typeset/typeset.hpp"

namespace tsuchi::cli {

namespace {

Diagnostic stage_error(const std::string& where, const std::string& reason) {
  Diagnostic d;
  d.file = where;
  d.reason = reason;
  return d;
}

// Sheets per envelope: every page is printed on its own sheet (simplex), since slips are torn off
// along their perforations and must not back onto a notice.
int sheets_for(int pages) { return pages; }

void add_codes(std::string& csv, const std::vector<typeset::Page>& pages, size_t first, size_t count) {
  bool any = false;
  for (size_t i = first; i < first + count; ++i)
    for (const auto& code : pages[i].codes) {
      if (any) csv += ';';
      csv += code.value;
      any = true;
    }
}

class Progress {
 public:
  Progress(int total, bool on) : total_(total), on_(on && isatty(STDERR_FILENO)) {}
  void step() {
    if (!on_) return;
    std::lock_guard lock(m_);
    ++done_;
    const int width = 30, filled = total_ ? done_ * width / total_ : width;
    std::fprintf(stderr, "\r[%s%s] %d/%d batches", std::string(filled, '#').c_str(),
                 std::string(width - filled, ' ').c_str(), done_, total_);
    if (done_ == total_) std::fputc('\n', stderr);
  }
 private:
  std::mutex m_;
  int total_, done_ = 0;
  bool on_;
};

}  // namespace

ProduceResult produce(const Inputs& in, const ProduceOptions& opt, const BatchSink& sink) {
  ProduceResult result;
  auto decided = decide::decide(in.cases, in.fees);
  if (!decided.ok()) {
    result.problems = decided.problems;
    return result;
  }
  auto envelopes = compose::compose_checked(decided.value, in.municipality);
  if (!envelopes.ok()) {
    result.problems = envelopes.problems;
    return result;
  }
  auto batches = compose::cut_batches(std::move(envelopes.value), opt.run_id, std::max(1, in.municipality.batch_size));
  if (opt.preview)
    for (auto& b : batches) b.batch_id = "PREVIEW";

  const int total = static_cast<int>(batches.size());
  result.batches.resize(batches.size());
  std::vector<Diagnostics> problems(batches.size());
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  Progress progress(total, opt.progress);

  auto worker = [&] {
    // Each worker owns its typesetter: its shaping cache is not shared between threads.
    auto ts = typeset::Typesetter::create(data_dir(), in.municipality);
    for (size_t i; (i = next++) < batches.size() && !stop;) {
      auto& ps = problems[i];
      if (!ts.ok()) {
        ps = ts.problems;
        stop = true;
        break;
      }
      const auto& batch = batches[i];
      RenderedBatch rb;
      rb.batch_id = batch.batch_id;
      rb.index = batch.index;
      rb.total = total;
      typeset::Document doc;
      doc.faces = ts.value->faces();
      char name[32];
      std::snprintf(name, sizeof name, "preview-%03d.pdf", batch.index);
      rb.pdf_name = opt.preview ? std::string(name) : batch.batch_id + ".pdf";
      rb.insertion_csv = std::string(kInsertionHeader) + "\n";
      std::map<std::string, int> areas;
      for (const auto& e : batch.envelopes) {
        auto pages = ts.value->envelope_pages(e, batch.batch_id);
        const size_t first = doc.pages.size();
        const int n = static_cast<int>(pages.size());
        std::move(pages.begin(), pages.end(), std::back_inserter(doc.pages));
        const std::string id = compose::envelope_id(batch.batch_id, e.sequence);
        rb.insertion_csv += id + "," + std::to_string(n) + "," + std::to_string(sheets_for(n)) + "," +
                            e.to.postal_code + ",";
        add_codes(rb.insertion_csv, doc.pages, first, pages.size());
        rb.insertion_csv += "," + rb.pdf_name + "," + std::to_string(first + 1) + "\n";
        auto& sum = rb.envelopes.emplace_back();
        sum.envelope_id = id;
        sum.postal_area = e.to.postal_code.substr(0, 3);
        sum.pages = n;
        sum.sheets = sheets_for(n);
        for (const auto& d : e.notices)
          sum.notices.push_back({d.c.case_id, d.c.notice_kind == ingest::NoticeKind::change ? "change" : "decision"});
        for (const auto& s : e.slips) {
          bool cash = true;
          for (const auto& d : e.notices)
            if (d.c.case_id == s.slip.case_id) cash = d.c.cash_payment;
          sum.slips.push_back({s.slip.case_id, s.slip.month.iso(), s.slip.amount, cash});
        }
        rb.counts.envelopes += 1;
        rb.counts.notices += static_cast<int>(e.notices.size());
        rb.counts.slips += static_cast<int>(e.slips.size());
        rb.counts.pages += n;
        rb.counts.sheets += sheets_for(n);
        areas[e.to.postal_code.substr(0, 3)] += 1;
      }
      rb.counts.postal_areas.assign(areas.begin(), areas.end());

      render::PdfOptions po;
      po.title = batch.batch_id;
      po.creation_date = opt.pdf_date;
      auto pdf = render::pdf_bytes(doc, po);
      if (!pdf.ok()) {
        ps = pdf.problems;
        stop = true;
        break;
      }
      rb.pdf = std::move(pdf.value);
      auto report = preflight::check(rb.pdf, doc);
      if (!report.ok()) {
        for (const auto& f : report.findings)
          ps.push_back(stage_error("preflight", "batch " + batch.batch_id + ", envelope " + f.envelope_id +
                                                    ", page " + std::to_string(f.page) + " (page " +
                                                    std::to_string(f.page_in_envelope) + " of its envelope): " +
                                                    f.what));
        stop = true;
        break;
      }
      if (auto err = sink(rb); !err.empty()) {
        ps.push_back(stage_error(batch.batch_id, err));
        stop = true;
        break;
      }
      rb.pdf.clear();
      rb.pdf.shrink_to_fit();
      rb.insertion_csv.clear();
      rb.insertion_csv.shrink_to_fit();
      result.batches[i] = std::move(rb);
      progress.step();
    }
  };

  int threads = opt.threads > 0 ? opt.threads : static_cast<int>(std::thread::hardware_concurrency());
  threads = std::clamp(threads, 1, std::max(1, total));
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();

  for (auto& ps : problems) result.problems.insert(result.problems.end(), ps.begin(), ps.end());
  for (const auto& b : result.batches) {
    result.envelopes += b.counts.envelopes;
    result.notices += b.counts.notices;
    result.slips += b.counts.slips;
    result.pages += b.counts.pages;
    result.sheets += b.counts.sheets;
  }
  return result;
}

}  // namespace tsuchi::cli
