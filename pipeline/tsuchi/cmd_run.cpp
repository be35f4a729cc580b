#include <pwd.h>
#include <unistd.h>

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
      const std::string month = o->month.empty() ? produce::this_month() : o->month;
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
      const auto taken = [&](const std::string& id) { return ledger.value.run(id).has_value(); };
      const std::string run_id = o->run_id.empty() ? produce::default_run_id(taken) : o->run_id;
      if (!o->run_id.empty() && taken(run_id)) {
        std::cerr << "tsuchi run: run " << run_id << " is already in the ledger " << ledger.value.path()
                  << "; choose another --run-id\n";
        return 1;
      }

      const seal::Keys keys{o->signing_key.empty() ? in.municipality.signing_key : o->signing_key,
                            o->contractor_key.empty() ? in.municipality.contractor_public_key : o->contractor_key};
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

      if (!make_folder("run", o->out)) return 1;
      seal::RunSealer sealer(o->out, run_id, ledger::utc_now(), std::move(sealing.value), &in.my_numbers);
      const produce::Options po{.data_dir = data_dir(), .run_id = run_id, .pdf_date = produce::pdf_date_of(run_id),
                                .threads = o->threads, .my_numbers = &in.my_numbers};
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
      if (!sealer.publish(r.summaries(), user, in.problems)) {
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
