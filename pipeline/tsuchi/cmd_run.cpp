#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>

#include "ledger/ledger.hpp"
#include "seal/seal.hpp"
#include "tsuchi/produce.hpp"

namespace tsuchi::cli {

std::string login_name() {
  if (const char* u = std::getenv("USER"); u && *u) return u;
  if (const passwd* pw = getpwuid(getuid())) return pw->pw_name;
  return "unknown";
}

namespace {

namespace fs = std::filesystem;

std::string utc_now_iso() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char b[32];
  std::strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return b;
}

std::string local_date_compact() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char b[16];
  std::strftime(b, sizeof b, "%Y%m%d", &tm);
  return b;
}

bool valid_run_id(const std::string& id) {
  if (id.empty() || id.size() > 40) return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  return true;
}

// Removes every file a previous attempt of this run left in `dir`: run.json first (the run's commit
// point), then each batch's manifest (the batch's commit point), then the rest.
void remove_run_files(const fs::path& dir, const std::string& run_id) {
  std::error_code ec;
  fs::remove(dir / "run.json", ec);
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

// Moves the staged batches into `dir`: archives, keys and signatures first, each manifest (a
// batch's commit point) after them, so an interruption never exposes a batch without its parts.
bool publish(const fs::path& staging, const fs::path& dir) {
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
      fs::rename(p, dir / p.filename(), ec);
      if (ec) return false;
    }
  fs::remove(staging, ec);
  return true;
}

ledger::RunRecord run_record(const std::string& run_id, const std::string& user, const std::string& created_at,
                             const std::string& month, const ProduceResult& r,
                             const std::map<int, seal::BatchResult>& sealed) {
  ledger::RunRecord rec;
  rec.run_id = run_id;
  rec.user = user;
  rec.created_at = created_at;
  rec.month_key = month;
  for (const auto& b : r.batches) {
    const auto& s = sealed.at(b.index);
    ledger::BatchRecord br;
    br.batch_id = b.batch_id;
    br.archive_sha256 = s.archive_sha256;
    br.manifest_sha256 = s.manifest_sha256;
    br.tagmanifest_sha256 = s.tagmanifest_sha256;
    for (const auto& e : b.envelopes) {
      br.envelopes.push_back({e.envelope_id, e.postal_area, e.pages, e.sheets, static_cast<int>(e.notices.size()),
                              static_cast<int>(e.slips.size())});
      for (const auto& n : e.notices) rec.notices.push_back({e.envelope_id, n.case_id, n.kind});
      for (const auto& sl : e.slips) rec.slips.push_back({e.envelope_id, sl.case_id, sl.month, sl.amount, sl.cash_payment});
    }
    rec.batches.push_back(std::move(br));
  }
  return rec;
}

}  // namespace

void add_run(CLI::App& app, Action& action) {
  struct Opts {
    InputPaths in;
    std::string out, user, signing_key, contractor_key, run_id, ledger, month;
    int threads = 0;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("run", "Validate, decide, typeset, render, preflight and seal the batches");
  add_input_options(*cmd, o->in);
  cmd->add_option("--out", o->out, "output folder for the sealed batches")->required();
  cmd->add_option("--as", o->user, "acting user (default: the login name)");
  cmd->add_option("--signing-key", o->signing_key, "city's signing secret key (overrides municipality.toml)");
  cmd->add_option("--contractor-key", o->contractor_key, "contractor's public key (overrides municipality.toml)");
  cmd->add_option("--run-id", o->run_id, "run id (default: R + today's date, e.g. R20250901)");
  cmd->add_option("--threads", o->threads, "worker threads (default: all cores)");
  cmd->add_option("--ledger", o->ledger, "ledger file (default: $TSUCHI_LEDGER or ./tsuchi-ledger.sqlite)");
  cmd->add_option("--month", o->month, "the month this run is for, YYYY-MM (default: this month)");
  cmd->callback([o, &action] {
    action = [o] {
      if (!resolve_inputs(o->in, "run")) return 2;
      const std::string month = o->month.empty() ? local_date_compact().substr(0, 4) + "-" + local_date_compact().substr(4, 2)
                                                 : o->month;
      if (!parse_year_month(month)) {
        std::cerr << "tsuchi run: --month \"" << month << "\": use YYYY-MM\n";
        return 2;
      }
      const std::string user = o->user.empty() ? login_name() : o->user;
      if (!o->run_id.empty() && !valid_run_id(o->run_id)) {
        std::cerr << "tsuchi run: --run-id \"" << o->run_id << "\": use letters, digits, '-' and '_' only\n";
        return 2;
      }
      Inputs in = load_and_validate(o->in, data_dir());
      print_problems(in.problems);
      if (has_errors(in.problems)) {
        std::cerr << "tsuchi run: the inputs have errors; nothing was rendered or sealed\n";
        return 1;
      }
      auto ledger = ledger::Ledger::open(ledger_path(o->ledger));
      if (!ledger.ok()) {
        print_problems(ledger.problems);
        return 1;
      }
      // A run id is used once in the ledger; the default takes the day's next free one (R20250901, R20250901-2, …).
      std::string run_id = o->run_id;
      if (run_id.empty()) {
        const std::string base = "R" + local_date_compact();
        run_id = base;
        for (int n = 2; ledger.value.run(run_id); ++n) run_id = base + "-" + std::to_string(n);
      } else if (ledger.value.run(run_id)) {
        std::cerr << "tsuchi run: run " << run_id << " is already in the ledger " << ledger.value.path()
                  << "; choose another --run-id\n";
        return 1;
      }

      seal::Keys keys;
      keys.signing_secret_path = o->signing_key.empty() ? in.municipality.signing_key : o->signing_key;
      keys.contractor_public_path = o->contractor_key.empty() ? in.municipality.contractor_public_key : o->contractor_key;
      if (keys.signing_secret_path.empty()) {
        std::cerr << "tsuchi run: no signing key: set [keys] signing_key in " << o->in.municipality
                  << " or pass --signing-key (make one with `tsuchi keygen`)\n";
        return 1;
      }
      auto sealing = seal::load_keys(keys);
      if (!sealing.ok()) {
        print_problems(sealing.problems);
        return 1;
      }

      const fs::path out(o->out);
      std::error_code ec;
      fs::create_directories(out, ec);
      if (ec) {
        std::cerr << "tsuchi run: cannot create " << o->out << ": " << ec.message() << "\n";
        return 1;
      }
      // Batches are sealed into a hidden staging folder and published only when the whole run passed.
      const fs::path staging = out / (".staging-" + run_id);
      remove_run_files(out, run_id);
      fs::remove_all(staging, ec);
      fs::create_directories(staging, ec);

      const std::string created_at = utc_now_iso();
      std::mutex m;
      std::map<int, seal::BatchResult> sealed;
      ProduceOptions po;
      po.run_id = run_id;
      po.pdf_date = run_id.size() >= 9 ? run_id.substr(1, 4) + "-" + run_id.substr(5, 2) + "-" + run_id.substr(7, 2) +
                                             "T00:00:00"
                                       : "2000-01-01T00:00:00";
      po.threads = o->threads;
      auto r = produce(in, po, [&](const RenderedBatch& b) -> std::string {
        seal::BatchSpec spec;
        spec.batch_id = b.batch_id;
        spec.run_id = run_id;
        spec.created_at = created_at;
        spec.index = b.index;
        spec.total = b.total;
        spec.counts.envelopes = b.counts.envelopes;
        spec.counts.notices = b.counts.notices;
        spec.counts.slips = b.counts.slips;
        spec.counts.pages = b.counts.pages;
        spec.counts.sheets = b.counts.sheets;
        for (const auto& [area, n] : b.counts.postal_areas) spec.counts.postal_areas[area] = n;
        // Moving would be cheaper, but the sink sees the batch as const: the copy lives only in memory.
        spec.payload.push_back({b.pdf_name, b.pdf});
        spec.payload.push_back({"insertion.csv", b.insertion_csv});
        spec.my_numbers = in.my_numbers.get();
        auto res = seal::seal_batch(spec, sealing.value, staging.string());
        if (!res.ok()) {
          std::string msg;
          for (const auto& d : res.problems) msg += (msg.empty() ? "" : "; ") + format(d);
          return "sealing failed: " + msg;
        }
        std::lock_guard lock(m);
        sealed[b.index] = std::move(res.value);
        return {};
      });
      print_problems(r.problems);
      if (has_errors(r.problems)) {
        fs::remove_all(staging, ec);
        std::cerr << "tsuchi run: stopped; no batch of run " << run_id << " was left in " << o->out << "\n";
        return 1;
      }

      nlohmann::json j;
      j["run_id"] = run_id;
      j["created_at"] = created_at;
      j["user"] = user;
      j["tool"] = "tsuchi";
      j["tool_version"] = TSUCHI_VERSION;
      j["batches"] = nlohmann::json::array();
      for (const auto& b : r.batches) {
        const auto& s = sealed.at(b.index);
        j["batches"].push_back({{"batch_id", b.batch_id},
                                {"envelopes", b.counts.envelopes},
                                {"notices", b.counts.notices},
                                {"slips", b.counts.slips},
                                {"pages", b.counts.pages},
                                {"sheets", b.counts.sheets},
                                {"archive", fs::path(s.paths.archive).filename().string()},
                                {"archive_sha256", s.archive_sha256},
                                {"tagmanifest_sha256", s.tagmanifest_sha256},
                                {"key_sealed", !s.paths.sealed_key.empty()}});
      }
      // Warnings the approver must see on the review sheet (case ids and code points only).
      j["warnings"] = nlohmann::json::array();
      for (const auto& d : in.problems)
        if (d.severity == Diagnostic::Severity::warning) j["warnings"].push_back(format(d));
      j["totals"] = {{"batches", r.batches.size()}, {"envelopes", r.envelopes}, {"notices", r.notices},
                     {"slips", r.slips},           {"pages", r.pages},         {"sheets", r.sheets}};
      if (!publish(staging, out) || !write_atomically((out / "run.json").string(), j.dump(2) + "\n")) {
        remove_run_files(out, run_id);
        std::cerr << "tsuchi run: cannot write run.json in " << o->out << "\n";
        return 1;
      }
      // Recorded last: a run the ledger knows is one whose files are all in place.
      if (auto problems = ledger.value.record_run(run_record(run_id, user, created_at, month, r, sealed));
          has_errors(problems)) {
        print_problems(problems);
        remove_run_files(out, run_id);
        std::cerr << "tsuchi run: the ledger refused the run; its batches were removed\n";
        return 1;
      }
      std::cerr << "tsuchi run: " << run_id << ": " << r.batches.size() << " batch(es), " << r.envelopes
                << " envelopes, " << r.notices << " notices, " << r.slips << " slips, " << r.pages << " pages\n";
      return 0;
    };
  });
}

}  // namespace tsuchi::cli
