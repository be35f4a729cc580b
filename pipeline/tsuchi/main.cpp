#include <sys/prctl.h>
#include <sys/resource.h>

#include <iostream>
#include <string>
#include <vector>

#include "tsuchi/commands.hpp"

int main(int argc, char** argv) {
  // Plaintext notices, passphrases and secret keys live in this process's memory: never in a core dump.
  const rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  CLI::App app{"tsuchi: child-care fee notices, payment slips and sealed print batches"};
  app.require_subcommand(1);
  app.set_version_flag("--version,-V", std::string("tsuchi ") + TSUCHI_VERSION + " (commit " + TSUCHI_COMMIT + ")");
  tsuchi::cli::Action action;
  tsuchi::cli::Output output;
  // `tsuchi help [CMD ...]`: the same text as `--help`, for the command named (or for tsuchi). Like
  // --help and --version it prints on stdout: it is the output asked for (and help2man reads it there).
  std::vector<std::string> help_path;
  auto* help = app.add_subcommand("help", "Show how to use tsuchi, or one command: tsuchi help [COMMAND [SUBCOMMAND]]");
  help->add_option("command", help_path, "a command (and its subcommand), e.g. `import worklog`");
  help->callback([&] {
    action = [&](tsuchi::cli::Console& con) -> int {
      const CLI::App* at = &app;
      std::string usage = "tsuchi";
      for (const auto& name : help_path) {
        const CLI::App* next = nullptr;
        for (const auto* sub : at->get_subcommands([](const CLI::App*) { return true; }))
          if (sub->get_name() == name) next = sub;
        if (!next) return con.fail(2, "no command '" + name + "'; `tsuchi help` lists them");
        at = next;
        usage += " " + name;
      }
      // The formatter, not App::help(): that one shows the help of the command parsed, `help` itself.
      const std::string text = at->get_formatter()->make_help(at, usage, CLI::AppFormatMode::Normal);
      if (output.json)
        con.result()["usage"] = text;
      else
        std::cout << text;
      return 0;
    };
  });
  // `tsuchi version`: what --version prints; with --json the name, version and commit as keys.
  app.add_subcommand("version", "Show tsuchi's version and the commit it was built from (as --version)")
      ->callback([&] {
        action = [&](tsuchi::cli::Console& con) -> int {
          con.result()["name"] = "tsuchi";
          con.result()["version"] = TSUCHI_VERSION;
          con.result()["commit"] = TSUCHI_COMMIT;
          if (!output.json) std::cout << app.version() << "\n";
          return 0;
        };
      });
  tsuchi::cli::add_validate(app, action);
  tsuchi::cli::add_barcode(app, action);
  tsuchi::cli::add_preview(app, action);
  tsuchi::cli::add_run(app, action);
  tsuchi::cli::add_keygen(app, action);
  tsuchi::cli::add_open(app, action);
  tsuchi::cli::add_ledger(app, action);
  tsuchi::cli::add_user(app, action);
  tsuchi::cli::add_config(app, action);
  tsuchi::cli::add_review(app, action);
  tsuchi::cli::add_approve(app, action);
  tsuchi::cli::add_handover(app, action);
  tsuchi::cli::add_import(app, action);
  tsuchi::cli::add_reconcile(app, action);
  tsuchi::cli::add_certificate(app, action);
  tsuchi::cli::add_audit(app, action);
  tsuchi::cli::add_void(app, action);
  tsuchi::cli::add_output_flags(app, output);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --help-all, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // A script that asked for JSON gets a document even when the command line itself is wrong.
    for (int i = 1; i < argc; ++i)
      if (std::string_view(argv[i]) == "--json") {
        tsuchi::cli::Output json_only;
        json_only.json = true;
        tsuchi::cli::Console con(tsuchi::cli::parsed_command(app), json_only);
        con.error(e.what());  // on stderr too, as CLI11 would have printed it
        return con.finish(2);
      }
    app.exit(e);
    return 2;
  }
  if (!action) return 2;
  tsuchi::cli::Console con(tsuchi::cli::parsed_command(app), output);
  try {
    return con.finish(action(con));
  } catch (const std::exception& e) {
    return con.finish(con.fail(3, std::string("internal error: ") + e.what()));
  }
}
