#include <iostream>

#include "tsuchi/commands.hpp"

namespace tsuchi::cli {

// `tsuchi void RUN --reason TEXT --key K` (approver or supervisor): a run that must never go out
// (superseded, made in error) is voided by one signed audit record; it can no longer be approved or
// handed over, and reconcile leaves it out of its totals.
void add_void(CLI::App& app, Action& action) {
  struct Opts {
    Common c;
    std::string run_id, reason;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("void", "Void a run: it can no longer be released or handed over (approver or supervisor)");
  cmd->add_option("RUN", o->run_id, "run id, e.g. R20250901")->required();
  cmd->add_option("--reason", o->reason, "why the run is voided (kept in the ledger; no personal data)")->required();
  add_common(*cmd, o->c);
  cmd->callback([o, &action] {
    action = [o] {
      const std::string name = "void";
      auto s = open_session(name, o->c, {keys::Role::approver, keys::Role::supervisor}, {"run:" + o->run_id});
      if (!s) return 1;
      const auto problems = s->ledger.void_run(s->actor, o->run_id, o->reason);
      print(name, problems);
      if (has_errors(problems)) {
        std::cerr << "tsuchi void: refused; run " << o->run_id << " is unchanged\n";
        return 1;
      }
      std::cerr << "tsuchi void: run " << o->run_id << " voided by " << s->actor.user
                << ": it can no longer be approved or handed over\n";
      return 0;
    };
  });
}

}  // namespace tsuchi::cli
