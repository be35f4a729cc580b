#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

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

void remove_run(const std::string& dir, const std::string& run_id) {
  std::error_code ec;
  fs::remove(fs::path(dir) / "run.json", ec);
  const std::string prefix = run_id + "-B";
  std::vector<fs::path> manifests, others;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    (name.find(".manifest.json") != std::string::npos && name.find(".sig") == std::string::npos ? manifests : others)
        .push_back(entry.path());
  }
  for (const auto& p : manifests) fs::remove(p, ec);
  for (const auto& p : others) fs::remove(p, ec);
}

bool publish_run(const std::string& staging, const std::string& dir) {
  std::error_code ec;
  std::vector<fs::path> manifests, others;
  for (const auto& entry : fs::directory_iterator(staging, ec)) {
    const std::string name = entry.path().filename().string();
    const bool manifest = name.size() > 14 && name.compare(name.size() - 14, 14, ".manifest.json") == 0;
    (manifest ? manifests : others).push_back(entry.path());
  }
  if (ec) return false;
  std::sort(manifests.begin(), manifests.end());
  std::sort(others.begin(), others.end());
  for (const auto* list : {&others, &manifests})
    for (const auto& p : *list) {
      fs::rename(p, fs::path(dir) / p.filename(), ec);
      if (ec) return false;
    }
  fs::remove(staging, ec);
  return true;
}

}  // namespace tsuchi::seal
