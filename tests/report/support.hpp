// Shared fixtures of the report tests: runs recorded in a real ledger, PDFs read back with Poppler.
#pragma once
#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-page.h>

#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "ledger/support.hpp"  // TempDir, TestClock, Office, sha256, messages
#include "report/report.hpp"
#include "text/text.hpp"

inline const text::TextEngine& engine() {
  static const auto loaded = text::TextEngine::load(TSUCHI_DATA_DIR "/fonts/fonts.toml");
  REQUIRE(loaded.ok());
  return *loaded.value;
}

inline FeeSchedules example_fees() {
  auto f = load_fees(TSUCHI_DATA_DIR "/examples/fees.toml");
  REQUIRE(f.ok());
  return f.value;
}

// A run of one batch as `tsuchi run` records it: envelopes numbered from 1, each with the
// notices and slips the test gives it, and the run folder (run.json, manifest) `tsuchi run` leaves.
struct RunBuilder {
  RunRecord rec;
  std::map<int, std::pair<int, int>> counts;  // envelope -> notices, slips

  RunBuilder(const std::string& run_id, const std::string& user, const std::string& created_at,
             const std::string& month) {
    rec.run_id = run_id;
    rec.user = user;
    rec.created_at = created_at;
    rec.month_key = month;
  }
  std::string batch_id() const { return rec.run_id + "-B001"; }
  std::string env(int n) const {
    char b[16];
    std::snprintf(b, sizeof b, "/%06d", n);
    return batch_id() + b;
  }
  RunBuilder& notice(int e, const std::string& case_id, const std::string& kind = "decision") {
    rec.notices.push_back({env(e), case_id, kind});
    counts[e].first++;
    return *this;
  }
  RunBuilder& slip(int e, const std::string& case_id, const std::string& month, long long amount, bool cash = true) {
    rec.slips.push_back({env(e), case_id, month, amount, cash});
    counts[e].second++;
    return *this;
  }
  // Writes the run folder under `tmp` and returns its path; the record gets the manifest's hash.
  std::string seal(const TempDir& tmp) {
    const fs::path dir = tmp.path / rec.run_id;
    fs::create_directories(dir);
    const std::string manifest = "{\"batch_id\":\"" + batch_id() + "\"}\n";
    std::ofstream(dir / (batch_id() + ".manifest.json"), std::ios::binary) << manifest;
    std::ofstream(dir / "run.json") << "{\"run_id\":\"" << rec.run_id << "\"}\n";
    BatchRecord b{batch_id(), sha256("zip of " + batch_id()), sha256(manifest), sha256("tags"), {}};
    for (const auto& [e, c] : counts) {
      const int pages = c.first + c.second;
      b.envelopes.push_back({env(e), "360", pages, pages, c.first, c.second});
    }
    rec.batches = {b};
    return dir.string();
  }
};

// The run recorded in the ledger by its maker (a staff member registered on first use).
inline void record(Office& o, const RunRecord& r) {
  REQUIRE(o.l.reserve_run(o.maker(r.user), r.run_id, "out-" + r.run_id, true).ok());
  REQUIRE(messages(o.l.record_run(r, o.maker(r.user))) == "");
}

// The text of every page, in reading order, as Poppler extracts it.
inline std::string pdf_text(const std::string& bytes) {
  std::unique_ptr<poppler::document> doc(
      poppler::document::load_from_raw_data(bytes.data(), static_cast<int>(bytes.size())));
  REQUIRE(doc);
  std::string out;
  for (int i = 0; i < doc->pages(); ++i) {
    std::unique_ptr<poppler::page> p(doc->create_page(i));
    auto utf8 = p->text(poppler::rectf(), poppler::page::physical_layout).to_utf8();
    out.append(utf8.begin(), utf8.end());
    out += "\n";
  }
  return out;
}

// Each page's lines of text as Poppler lays them out, top to bottom, blank lines dropped.
inline std::vector<std::vector<std::string>> pdf_page_lines(const std::string& bytes) {
  std::unique_ptr<poppler::document> doc(
      poppler::document::load_from_raw_data(bytes.data(), static_cast<int>(bytes.size())));
  REQUIRE(doc);
  std::vector<std::vector<std::string>> out;
  for (int i = 0; i < doc->pages(); ++i) {
    std::unique_ptr<poppler::page> p(doc->create_page(i));
    auto utf8 = p->text(poppler::rectf(), poppler::page::physical_layout).to_utf8();
    std::istringstream in(std::string(utf8.begin(), utf8.end()));
    out.emplace_back();
    for (std::string l; std::getline(in, l);)
      if (l.find_first_not_of(" \f") != std::string::npos) out.back().push_back(l);
  }
  return out;
}

inline int pdf_pages(const std::string& bytes) {
  std::unique_ptr<poppler::document> doc(
      poppler::document::load_from_raw_data(bytes.data(), static_cast<int>(bytes.size())));
  REQUIRE(doc);
  return doc->pages();
}

inline std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> w;
  for (std::string x; in >> x;) w.push_back(x);
  return w;
}

// The lines of one section of a text sheet (between its underlined heading and the next).
inline std::vector<std::string> section(const std::string& text, const std::string& heading) {
  std::vector<std::string> lines, out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  bool inside = false;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const bool is_heading = i + 1 < lines.size() && !lines[i + 1].empty() && lines[i + 1].find_first_not_of('-') == std::string::npos;
    if (is_heading) {
      inside = lines[i].rfind(heading, 0) == 0;
      ++i;
      continue;
    }
    if (inside && !lines[i].empty()) out.push_back(lines[i]);
  }
  return out;
}

// The words of each line of `lines` whose first word starts with `prefix`, in order.
inline std::vector<std::vector<std::string>> rows(const std::vector<std::string>& lines, const std::string& prefix) {
  std::vector<std::vector<std::string>> out;
  for (const auto& l : lines) {
    auto w = words(l);
    if (!w.empty() && w[0].rfind(prefix, 0) == 0) out.push_back(w);
  }
  return out;
}
