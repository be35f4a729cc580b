// The staff proof: the production line's batches written out in plaintext, for staff only.
#include <filesystem>
#include <map>
#include <mutex>

#include "core/file.hpp"
#include "produce/produce.hpp"

namespace tsuchi::produce {

namespace fs = std::filesystem;

Preview preview(Inputs& in, const std::string& data_dir, int threads, const std::string& out_dir,
                progress::Sink* progress) {
  const fs::path out(out_dir);
  std::mutex m;
  std::map<int, std::string> lists;  // batch index → its insertion list, so the file is in mailing order
  const Options opt{.data_dir = data_dir, .run_id = "PREVIEW", .preview = true, .pdf_date = "2000-01-01T00:00:00",
                    .threads = threads, .progress = progress, .my_numbers = &in.my_numbers};
  Preview p;
  p.result = produce(in, opt, [&](const Batch& b) -> std::string {
    if (!file::write_atomically((out / b.pdf_name).string(), b.pdf)) return "cannot write " + (out / b.pdf_name).string();
    std::lock_guard lock(m);
    lists[b.summary.index] = b.insertion_csv;
    return {};
  });
  if (has_errors(p.result.problems)) return p;
  std::vector<std::string> in_order;
  for (auto& [i, list] : lists) in_order.push_back(std::move(list));
  p.listed = file::write_atomically((out / "insertion.csv").string(), merged_insertion_csv(in.municipality.csv, in_order));
  return p;
}

void remove_preview(const Result& r, const std::string& out_dir) {
  std::error_code ec;
  for (const auto& b : r.batches) fs::remove(fs::path(out_dir) / b.pdf_name, ec);
  fs::remove(fs::path(out_dir) / "insertion.csv", ec);
}

}  // namespace tsuchi::produce
