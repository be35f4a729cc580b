#include <pwd.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <iostream>

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

std::string local_date_compact() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char b[16];
  std::strftime(b, sizeof b, "%Y%m%d", &tm);
  return b;
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
      if (!o->run_id.empty() && !produce::valid_run_id(o->run_id)) {
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
      seal::RunSealer sealer(out.string(), run_id, ledger::utc_now(), std::move(sealing.value), &in.my_numbers);
      produce::Options po;
      po.data_dir = data_dir();
      po.run_id = run_id;
      po.pdf_date = produce::pdf_date_of(run_id);
      po.threads = o->threads;
      po.my_numbers = &in.my_numbers;
      auto r = produce::produce(in, po, [&](const produce::Batch& b) {
        // Copies, as the sink sees the batch as const: they live only in memory.
        return sealer.seal(b.summary, {{b.pdf_name, b.pdf}, {"insertion.csv", b.insertion_csv}});
      });
      print_problems(r.problems);
      if (has_errors(r.problems)) {
        sealer.abandon();
        std::cerr << "tsuchi run: stopped; no batch of run " << run_id << " was left in " << o->out << "\n";
        return 1;
      }
      std::vector<records::BatchSummary> batches;
      for (const auto& b : r.batches) batches.push_back(b.summary);
      // Warnings the approver must see on the review sheet (case ids and code points only).
      std::vector<std::string> warnings;
      for (const auto& d : in.problems)
        if (d.severity == Diagnostic::Severity::warning) warnings.push_back(format(d));
      if (!sealer.publish(std::move(batches), user, std::move(warnings)) ||
          !write_atomically((out / "run.json").string(), sealer.run_json())) {
        sealer.remove();
        std::cerr << "tsuchi run: cannot write run.json in " << o->out << "\n";
        return 1;
      }
      // Recorded last: a run the ledger knows is one whose files are all in place.
      if (auto problems = ledger.value.record_run(sealer.record(user, month)); has_errors(problems)) {
        print_problems(problems);
        sealer.remove();
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
