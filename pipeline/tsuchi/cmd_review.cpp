// `tsuchi review RUN_DIR` (SPEC §8) and `tsuchi certificate form BATCH` (SPEC §9): documents from
// the ledger, written and put on record by report as the owner of --key; here, what is printed.
#include <filesystem>
#include <iostream>
#include <memory>

#include "report/report.hpp"
#include "seal/seal.hpp"
#include "tsuchi/commands.hpp"

namespace tsuchi::cli {

void add_review(CLI::App& app, Action& action) {
  struct Opts {
    Common c;
    std::string run_dir, fees;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("review", "Review sheet of a run (counts, totals, changes, anomalies) for the approver");
  cmd->add_option("RUN_DIR", o->run_dir, "the run's output folder (run.json); review.txt and review.pdf go there")
      ->required()
      ->check(CLI::ExistingDirectory);
  add_common(*cmd, o->c);
  cmd->add_option("--fees", o->fees, "fees.toml: also check every amount against the schedule in force")
      ->check(CLI::ExistingFile);
  cmd->callback([o, &action] {
    action = [o] {
      const std::string name = "review";
      if (auto code = refuse_removed(name, o->c)) return *code;
      const auto run = seal::read_run_json(o->run_dir);
      if (!run) {
        std::cerr << (std::filesystem::path(o->run_dir) / "run.json").string() << ": error: cannot read run_id (is this a run folder?)\n";
        return 1;
      }
      auto s = open_session(name, o->c, {}, {"run:" + run->run_id});
      if (!s) return 1;
      auto te = text_engine(name);
      if (!te) return 1;
      auto r = report::write_review(s->ledger, *run, s->actor, o->fees, *te);
      print(name, r.problems);
      if (!r.ok()) return 1;
      if (!r.value.written) {
        std::cerr << "tsuchi review: cannot write review.txt / review.pdf in " << o->run_dir << "\n";
        return 1;
      }
      const auto anomalies = r.value.sheet.anomalies.size();
      std::cout << r.value.text;
      std::cerr << "tsuchi review: run " << run->run_id << ": " << anomalies << " anomal" << (anomalies == 1 ? "y" : "ies")
                << "; review.txt SHA-256 " << r.value.sha256 << " recorded for approval by " << s->actor.user << "\n";
      return 0;
    };
  });
}

void add_certificate(CLI::App& app, Action& action) {
  struct Opts {
    Common c;
    std::string batch, out;
  };
  auto o = std::make_shared<Opts>();
  auto* cert = app.add_subcommand("certificate", "Destruction/return certificate forms (NIST SP 800-88)");
  cert->require_subcommand(1);
  auto* cmd = cert->add_subcommand("form", "Print a batch's certificate form with its QR code");
  cmd->add_option("BATCH", o->batch, "batch id")->required();
  cmd->add_option("--out", o->out, "the form, a PDF")->required();
  add_common(*cmd, o->c);
  cmd->callback([o, &action] {
    action = [o] {
      const std::string name = "certificate form";
      auto s = open_session(name, o->c, {}, {"batch:" + o->batch});
      if (!s) return 1;
      auto te = text_engine(name);
      if (!te) return 1;
      auto r = report::write_certificate_form(s->ledger, o->batch, s->actor, *te, o->out);
      print(name, r.problems);
      if (!r.ok()) return 1;
      if (!r.value) {
        std::cerr << "tsuchi certificate form: cannot write " << o->out << "\n";
        return 1;
      }
      std::cerr << "tsuchi certificate form: " << o->out << " for batch " << o->batch << "\n";
      return 0;
    };
  });
}

}  // namespace tsuchi::cli
