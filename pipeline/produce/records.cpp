// What production puts on record, in the insertion list and in its names, beside their formats
// (output_spec/ledger.md, output_spec/insertion.md).
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "produce/internal.hpp"

namespace tsuchi::produce {

namespace {
void put(std::string& out, const std::string& v) {
  const auto n = static_cast<std::uint32_t>(v.size());
  out.append(reinterpret_cast<const char*>(&n), sizeof n);
  out += v;
}
void put(std::string& out, long long v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); }
struct Reader {
  const std::string& in;
  std::size_t at = 0;
  std::string str() {
    std::uint32_t n = 0;
    std::memcpy(&n, in.data() + at, sizeof n);
    at += sizeof n;
    std::string v = in.substr(at, n);
    at += n;
    return v;
  }
  long long num() {
    long long v = 0;
    std::memcpy(&v, in.data() + at, sizeof v);
    at += sizeof v;
    return v;
  }
};

// Sheets per envelope: every page is printed on its own sheet (simplex), since slips are torn off
// along their perforations and must not back onto a notice.
int sheets_for(int pages) { return pages; }
}  // namespace

void record_envelope(records::BatchSummary& into, const compose::Envelope& e, const std::string& envelope_id,
                     int pages) {
  const std::string area = e.to.postal_code.substr(0, 3);
  into.envelopes.push_back({envelope_id, area, pages, sheets_for(pages), static_cast<int>(e.notices.size()),
                            static_cast<int>(e.slips.size())});
  for (const auto& d : e.notices)
    into.notices.push_back({envelope_id, d.c.case_id, d.c.notice_kind == ingest::NoticeKind::change ? "change" : "decision"});
  for (const auto& s : e.slips) {
    bool cash = true;
    for (const auto& d : e.notices)
      if (d.c.case_id == s.slip.case_id) cash = d.c.cash_payment;
    into.slips.push_back({envelope_id, s.slip.case_id, s.slip.month.iso(), s.slip.amount, cash});
  }
  auto& c = into.counts;
  c.envelopes += 1;
  c.notices += static_cast<int>(e.notices.size());
  c.slips += static_cast<int>(e.slips.size());
  c.pages += pages;
  c.sheets += sheets_for(pages);
  c.postal_areas[area] += 1;
}

csv::Writer insertion_list(const csv::Format& format, const std::string& name) {
  using csv::Cell;
  // The first five columns are SPEC §12's; postal codes, codes and "k/n" are text Excel would change.
  return csv::Writer(name, format,
                     {{"envelope_id", Cell::text}, {"pages", Cell::number}, {"sheets", Cell::number},
                      {"postal_code", Cell::code}, {"codes", Cell::code}, {"file", Cell::text},
                      {"first_page", Cell::number}, {"grams", Cell::number}, {"part", Cell::code}});
}

bool insertion_row(csv::Writer& list, const std::string& envelope_id, int pages, const std::string& postal_code,
                   const std::vector<std::string>& codes, const std::string& pdf_name, int first_page, double grams,
                   const std::string& part, Diagnostics& problems) {
  std::string joined;
  for (std::size_t i = 0; i < codes.size(); ++i) joined += (i ? ";" : "") + codes[i];
  char g[32];
  std::snprintf(g, sizeof g, "%.1f", grams);
  return list.row({envelope_id, std::to_string(pages), std::to_string(sheets_for(pages)), postal_code, joined,
                   pdf_name, std::to_string(first_page), g, part},
                  problems);
}

void weigh_envelope(records::MailingFigures& into, int sheets, double grams, int part, bool cover) {
  into.by_sheets[sheets] += 1;
  if (sheets > into.heaviest_sheets) into.heaviest_sheets = sheets;
  if (grams > into.heaviest_g) into.heaviest_g = grams;
  if (part > 0) into.parts += 1;
  if (part == 1) into.split_mailings += 1;
  if (cover) into.covers += 1;
}

std::string merged_insertion_csv(const csv::Format& format, const std::vector<std::string>& batch_lists) {
  std::string csv = insertion_list(format, "insertion.csv").take();
  const std::size_t header = csv.size();
  for (const auto& list : batch_lists)
    if (list.compare(0, header, csv, 0, header) == 0) csv.append(list, header);
  return csv;
}

bool valid_run_id(const std::string& id) {
  if (id.empty() || id.size() > 40) return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  return true;
}

std::string default_run_id(const Date& office_day, const std::function<bool(const std::string&)>& taken) {
  char b[16];
  std::snprintf(b, sizeof b, "R%04d%02d%02d", office_day.year, office_day.month, office_day.day);
  const std::string base = b;
  std::string id = base;
  for (int n = 2; taken(id); ++n) id = base + "-" + std::to_string(n);
  return id;
}

std::vector<records::BatchSummary> Result::summaries() const {
  std::vector<records::BatchSummary> out;
  for (const auto& b : batches) out.push_back(b.summary);
  return out;
}

namespace detail {

std::string pack_lists(records::BatchSummary& s) {
  std::string out;
  put(out, static_cast<long long>(s.envelopes.size()));
  for (const auto& e : s.envelopes) {
    put(out, e.envelope_id), put(out, e.postal_area);
    put(out, e.pages), put(out, e.sheets), put(out, e.notices), put(out, e.slips);
  }
  put(out, static_cast<long long>(s.notices.size()));
  for (const auto& n : s.notices) put(out, n.envelope_id), put(out, n.case_id), put(out, n.kind);
  put(out, static_cast<long long>(s.slips.size()));
  for (const auto& x : s.slips)
    put(out, x.envelope_id), put(out, x.case_id), put(out, x.month), put(out, x.amount), put(out, x.cash_payment ? 1 : 0);
  std::vector<records::EnvelopeRecord>().swap(s.envelopes);
  std::vector<records::NoticeRecord>().swap(s.notices);
  std::vector<records::SlipRecord>().swap(s.slips);
  return out;
}

void unpack_lists(const std::string& packed, records::BatchSummary& s) {
  Reader r{packed};
  s.envelopes.resize(static_cast<std::size_t>(r.num()));
  for (auto& e : s.envelopes) {
    e.envelope_id = r.str(), e.postal_area = r.str();
    e.pages = static_cast<int>(r.num()), e.sheets = static_cast<int>(r.num());
    e.notices = static_cast<int>(r.num()), e.slips = static_cast<int>(r.num());
  }
  s.notices.resize(static_cast<std::size_t>(r.num()));
  for (auto& n : s.notices) n.envelope_id = r.str(), n.case_id = r.str(), n.kind = r.str();
  s.slips.resize(static_cast<std::size_t>(r.num()));
  for (auto& x : s.slips)
    x.envelope_id = r.str(), x.case_id = r.str(), x.month = r.str(), x.amount = r.num(), x.cash_payment = r.num() != 0;
}

}  // namespace detail

std::vector<records::BatchSummary> Result::take_summaries() {
  std::vector<records::BatchSummary> out;
  out.reserve(batches.size());
  for (auto& b : batches) out.push_back(std::move(b.summary));
  return out;
}

std::string pdf_date_of(const std::string& run_id) {
  if (run_id.size() < 9) return "2000-01-01T00:00:00";
  return run_id.substr(1, 4) + "-" + run_id.substr(5, 2) + "-" + run_id.substr(7, 2) + "T00:00:00";
}

}  // namespace tsuchi::produce
