#include <filesystem>

#include "seal/seal.hpp"
#include "tsuchi/commands.hpp"

namespace tsuchi::cli {

// `tsuchi void RUN --reason TEXT --key K` (approver or supervisor): a run that must never go out
// (superseded, made in error) is voided by one signed audit record; it can no longer be approved or
// handed over, and reconcile leaves it out of its totals.
void add_void(CLI::App& app, Action& action) {
  struct Opts {
    Common c;
    std::string run, reason;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("void", "Void a run: it can no longer be released or handed over (approver or supervisor)");
  cmd->add_option("RUN", o->run, "the run's output folder (as for review and approve), or its run id, e.g. R20250901")
      ->required();
  cmd->add_option("--reason", o->reason, "why the run is voided (kept in the ledger; no personal data)")->required();
  add_common(*cmd, o->c);
  cmd->callback([o, &action] {
    action = [o](Console& con) {
      // RUN_DIR like review and approve; a bare id still works (the folder may be gone).
      std::string run_id = o->run;
      if (std::error_code ec; std::filesystem::is_directory(o->run, ec)) {
        const auto run = seal::read_run_json(o->run);
        if (!run) return con.fail(1, "cannot read run_id (is this a run folder?)", (std::filesystem::path(o->run) / "run.json").string());
        run_id = run->run_id;
      }
      con.result()["run_id"] = run_id;
      auto s = open_session(con, o->c, {keys::Role::approver, keys::Role::supervisor}, {"run:" + run_id});
      if (!s) return 1;
      const auto problems = s->ledger.void_run(s->actor, run_id, o->reason);
      con.report(problems);
      if (has_errors(problems)) return con.fail(1, "refused; run " + run_id + " is unchanged");
      con.result()["voided_by"] = s->actor.user;
      con.note("run " + run_id + " voided by " + s->actor.user + ": it can no longer be approved or handed over");
      return 0;
    };
  });
}

}  // namespace tsuchi::cli
