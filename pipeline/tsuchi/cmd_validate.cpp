#include <iostream>

#include "tsuchi/commands.hpp"

namespace tsuchi::cli {

void add_validate(CLI::App& app, Action& action) {
  struct Opts {
    InputPaths in;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("validate", "Check the inputs against every rule (output_spec/inputs.md); writes nothing");
  add_input_options(*cmd, o->in);
  cmd->add_flag("--json", o->json, "print the problems as JSON on stdout");
  cmd->callback([o, &action] {
    action = [o] {
      if (!resolve_inputs(o->in, "validate")) return 2;
      auto in = load_inputs(o->in);
      const bool bad = has_errors(in.problems);
      if (o->json) std::cout << produce::to_json(in);
      print_problems(in.problems);
      size_t errors = 0;
      for (const auto& d : in.problems) errors += d.severity == Diagnostic::Severity::error;
      if (bad) {
        std::cerr << "tsuchi validate: " << errors << " error(s); nothing may be rendered or sealed from these inputs\n";
        return 1;
      }
      std::cerr << "tsuchi validate: " << in.cases.size() << " case(s) OK";
      if (in.problems.size() > errors) std::cerr << " with " << in.problems.size() - errors << " warning(s)";
      std::cerr << "\n";
      return 0;
    };
  });
}

}  // namespace tsuchi::cli
