#include "tsuchi/commands.hpp"

namespace tsuchi::cli {

void add_validate(CLI::App& app, Action& action) {
  struct Opts {
    InputPaths in;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("validate", "Check the inputs against every rule (output_spec/inputs.md); writes nothing");
  add_input_options(*cmd, o->in);
  cmd->callback([o, &action] {
    action = [o](Console& con) {
      if (!resolve_inputs(o->in, con)) return 2;
      auto in = load_inputs(o->in);
      con.report(in.problems);
      // The validation report of output_spec/inputs.md: ok, cases and every problem, warnings included.
      merge(con.result(), produce::to_json(in));
      std::size_t errors = 0;
      for (const auto& d : in.problems) errors += d.severity == Diagnostic::Severity::error;
      if (errors > 0) {
        con.note(std::to_string(errors) + " error(s); nothing may be rendered or sealed from these inputs");
        return 1;
      }
      const std::size_t warnings = in.problems.size() - errors;
      con.note(std::to_string(in.cases.size()) + " case(s) OK" +
               (warnings ? " with " + std::to_string(warnings) + " warning(s)" : std::string()));
      return 0;
    };
  });
}

}  // namespace tsuchi::cli
