#include <pwd.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>

#include "ledger/ledger.hpp"
#include "seal/seal.hpp"
#include "tsuchi/commands.hpp"

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
      auto in = load_inputs(o->in);
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
      seal::remove_run(out.string(), run_id);
      fs::remove_all(staging, ec);
      fs::create_directories(staging, ec);

      const std::string created_at = utc_now_iso();
      std::mutex m;
      std::map<int, seal::BatchResult> sealed;
      produce::Options po;
      po.data_dir = data_dir();
      po.run_id = run_id;
      po.pdf_date = run_id.size() >= 9 ? run_id.substr(1, 4) + "-" + run_id.substr(5, 2) + "-" + run_id.substr(7, 2) +
                                             "T00:00:00"
                                       : "2000-01-01T00:00:00";
      po.threads = o->threads;
      po.my_numbers = &in.my_numbers;
      auto r = produce::produce(in, po, [&](const produce::Batch& b) -> std::string {
        seal::BatchSpec spec;
        spec.batch_id = b.summary.batch_id;
        spec.run_id = run_id;
        spec.created_at = created_at;
        spec.index = b.summary.index;
        spec.total = b.summary.total;
        spec.counts = b.summary.counts;
        // TODO(merge): spec.my_numbers = po.my_numbers;  (seal's inputs gain the guard on the RULES branch)
        // Moving would be cheaper, but the sink sees the batch as const: the copy lives only in memory.
        spec.payload.push_back({b.pdf_name, b.pdf});
        spec.payload.push_back({"insertion.csv", b.insertion_csv});
        auto res = seal::seal_batch(spec, sealing.value, staging.string());
        if (!res.ok()) {
          std::string msg;
          for (const auto& d : res.problems) msg += (msg.empty() ? "" : "; ") + format(d);
          return "sealing failed: " + msg;
        }
        std::lock_guard lock(m);
        sealed[b.summary.index] = std::move(res.value);
        return {};
      });
      print_problems(r.problems);
      if (has_errors(r.problems)) {
        fs::remove_all(staging, ec);
        std::cerr << "tsuchi run: stopped; no batch of run " << run_id << " was left in " << o->out << "\n";
        return 1;
      }

      seal::SealedRun run{run_id, created_at, user, {}, {}, {}};
      ledger::RunRecord record{run_id, user, created_at, month, {}, {}, {}};
      for (const auto& b : r.batches) {
        const auto& s = sealed.at(b.summary.index);
        records::add_sealed(record, b.summary, s.archive_sha256, s.manifest_sha256, s.tagmanifest_sha256);
        run.batches.push_back(b.summary);
        run.sealed.push_back(s);
      }
      // Warnings the approver must see on the review sheet (case ids and code points only).
      for (const auto& d : in.problems)
        if (d.severity == Diagnostic::Severity::warning) run.warnings.push_back(format(d));
      if (!seal::publish_run(staging.string(), out.string()) ||
          !write_atomically((out / "run.json").string(), seal::run_json(run))) {
        seal::remove_run(out.string(), run_id);
        std::cerr << "tsuchi run: cannot write run.json in " << o->out << "\n";
        return 1;
      }
      // Recorded last: a run the ledger knows is one whose files are all in place.
      if (auto problems = ledger.value.record_run(record); has_errors(problems)) {
        print_problems(problems);
        seal::remove_run(out.string(), run_id);
        std::cerr << "tsuchi run: the ledger refused the run; its batches were removed\n";
        return 1;
      }
      const auto& t = r.totals;
      std::cerr << "tsuchi run: " << run_id << ": " << r.batches.size() << " batch(es), " << t.envelopes
                << " envelopes, " << t.notices << " notices, " << t.slips << " slips, " << t.pages << " pages\n";
      return 0;
    };
  });
}

}  // namespace tsuchi::cli
