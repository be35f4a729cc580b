// The seal stage's JSON (output_spec/batch.md): run.json, the keygen and open reports; and the run sealer.
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/file.hpp"
#include "seal/seal.hpp"

namespace tsuchi::seal {

namespace fs = std::filesystem;

std::string run_json(const SealedRun& run) {
  nlohmann::json j;
  j["run_id"] = run.run_id;
  j["created_at"] = run.created_at;
  j["user"] = run.user;
  j["tool"] = "tsuchi";
  j["tool_version"] = TSUCHI_VERSION;
  j["batches"] = nlohmann::json::array();
  records::BatchCounts totals;
  for (std::size_t i = 0; i < run.batches.size() && i < run.sealed.size(); ++i) {
    const auto& c = run.batches[i].counts;
    const auto& s = run.sealed[i];
    j["batches"].push_back({{"batch_id", run.batches[i].batch_id},
                            {"envelopes", c.envelopes},
                            {"notices", c.notices},
                            {"slips", c.slips},
                            {"pages", c.pages},
                            {"sheets", c.sheets},
                            {"archive", fs::path(s.paths.archive).filename().string()},
                            {"archive_sha256", s.archive_sha256},
                            {"tagmanifest_sha256", s.tagmanifest_sha256},
                            {"key_sealed", !s.paths.sealed_key.empty()}});
    totals.envelopes += c.envelopes, totals.notices += c.notices, totals.slips += c.slips;
    totals.pages += c.pages, totals.sheets += c.sheets;
  }
  j["warnings"] = run.warnings;
  j["totals"] = {{"batches", run.batches.size()}, {"envelopes", totals.envelopes}, {"notices", totals.notices},
                 {"slips", totals.slips},         {"pages", totals.pages},         {"sheets", totals.sheets}};
  return j.dump(2) + "\n";
}

std::optional<RunFile> read_run_json(const std::string& run_dir) {
  std::ifstream f(fs::path(run_dir) / "run.json", std::ios::binary);
  auto j = nlohmann::json::parse(f, nullptr, false);
  if (!j.is_object() || !j.contains("run_id") || !j["run_id"].is_string()) return std::nullopt;
  RunFile r{run_dir, j["run_id"].get<std::string>(), {}};
  if (j.contains("warnings") && j["warnings"].is_array())
    for (const auto& w : j["warnings"])
      if (w.is_string()) r.warnings.push_back(w.get<std::string>());
  return r;
}

std::string to_json(const OpenedBatch& b) {
  const auto& m = b.manifest;
  const auto& r = b.release;
  return nlohmann::ordered_json{{"batch_id", m.batch_id},
                                {"run_id", m.run_id},
                                {"bag_count", m.bag_count},
                                {"bag_dir", b.bag_dir},
                                {"files", b.files},
                                {"envelopes", m.counts.envelopes},
                                {"notices", m.counts.notices},
                                {"slips", m.counts.slips},
                                {"pages", m.counts.pages},
                                {"sheets", m.counts.sheets},
                                {"archive_sha256", m.archive_sha256},
                                {"tagmanifest_sha256", m.tagmanifest_sha256},
                                {"release_sequence", r.sequence},
                                {"approved_at", r.approved_at},
                                {"audit_head", r.audit_head},
                                {"maker", r.maker},
                                {"maker_key_sha256", r.maker_key_sha256},
                                {"approver", r.approver},
                                {"approver_key_sha256", r.approver_key_sha256},
                                {"city_key_sha256", r.city_key_sha256},
                                {"release_sha256", r.release_sha256}}
             .dump() +
         "\n";
}

RunSealer::RunSealer(std::string dir, std::string run_id, std::string created_at, SealingKeys&& keys,
                     const mynumber::Guard* my_numbers)
    : dir_(std::move(dir)),
      staging_((fs::path(dir_) / (".staging-" + run_id)).string()),
      run_id_(std::move(run_id)),
      created_at_(std::move(created_at)),
      keys_(std::move(keys)),
      my_numbers_(my_numbers) {
  // Made here or not at all: a staging folder that exists belongs to someone else.
  if (::mkdir(staging_.c_str(), 0700) != 0) staging_error_ = staging_ + ": cannot create: " + std::strerror(errno);
}

std::string RunSealer::seal(const records::BatchSummary& batch, std::vector<PayloadFile> payload) {
  BatchSpec spec;
  spec.batch_id = batch.batch_id;
  spec.run_id = run_id_;
  spec.created_at = created_at_;
  spec.index = batch.index;
  spec.total = batch.total;
  spec.counts = batch.counts;
  spec.mailing = batch.mailing;
  spec.payload = std::move(payload);
  spec.my_numbers = my_numbers_;
  if (!staging_error_.empty()) return "sealing failed: " + staging_error_;
  auto res = seal_batch(std::move(spec), keys_, staging_);
  if (!res.ok()) {
    std::string msg;
    for (const auto& d : res.problems) msg += (msg.empty() ? "" : "; ") + format(d);
    return "sealing failed: " + msg;
  }
  std::lock_guard lock(m_);
  sealed_[batch.index] = std::move(res.value);
  return {};
}

void RunSealer::abandon() {
  std::error_code ec;
  if (staging_error_.empty()) fs::remove_all(staging_, ec);
}

bool RunSealer::publish(std::vector<records::BatchSummary> batches, const std::string& user,
                        const Diagnostics& input_problems) {
  run_ = {run_id_, created_at_, user, std::move(batches), {}, {}};
  for (const auto& d : input_problems)  // case ids and code points only
    if (d.severity == Diagnostic::Severity::warning) run_.warnings.push_back(format(d));
  for (const auto& b : run_.batches) {
    auto it = sealed_.find(b.index);
    if (it == sealed_.end()) return remove(), false;
    run_.sealed.push_back(it->second);
  }
  std::error_code ec;
  std::vector<fs::path> manifests, others;
  for (const auto& entry : fs::directory_iterator(staging_, ec)) {
    const std::string name = entry.path().filename().string();
    const bool manifest = name.size() > 14 && name.compare(name.size() - 14, 14, ".manifest.json") == 0;
    (manifest ? manifests : others).push_back(entry.path());
  }
  if (ec) return remove(), false;
  std::sort(manifests.begin(), manifests.end());
  std::sort(others.begin(), others.end());
  for (const auto* list : {&others, &manifests})
    for (const auto& p : *list) {
      const fs::path to = fs::path(dir_) / p.filename();
      // Never over a file this run did not make (the folder was empty when the run began).
      if (fs::exists(fs::symlink_status(to, ec))) return remove(), false;
      fs::rename(p, to, ec);
      if (ec) return remove(), false;
      published_.push_back(to.string());
    }
  fs::remove(staging_, ec);
  const std::string run_file = (fs::path(dir_) / "run.json").string();
  // Never over another run's run.json, even one published a moment ago into the same folder.
  if (!file::write_new(run_file, run_json(run_), 0600)) return remove(), false;
  published_.insert(published_.begin(), run_file);
  return true;
}

records::RunRecord RunSealer::record(const std::string& user, const std::string& month_key) {
  records::RunRecord rec{run_id_, user, created_at_, month_key, {}, {}, {}};
  for (std::size_t i = 0; i < run_.batches.size() && i < run_.sealed.size(); ++i) {
    const auto& s = run_.sealed[i];
    records::add_sealed(rec, std::move(run_.batches[i]), s.archive_sha256, s.manifest_sha256, s.tagmanifest_sha256);
  }
  return rec;
}

void RunSealer::remove() {
  // Only what this sealer published, in the order it was committed backwards: run.json first,
  // then the manifests (each batch's commit point), then the rest.
  std::error_code ec;
  std::vector<std::string> files(published_.begin(), published_.end());
  std::stable_partition(files.begin(), files.end(), [](const std::string& f) {
    return f.size() > 14 && f.compare(f.size() - 14, 14, ".manifest.json") == 0;
  });
  std::stable_partition(files.begin(), files.end(), [](const std::string& f) {
    return fs::path(f).filename() == "run.json";
  });
  for (const auto& f : files) fs::remove(f, ec);
  published_.clear();
  abandon();
}

}  // namespace tsuchi::seal
