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
  app.set_version_flag("--version", std::string("tsuchi ") + TSUCHI_VERSION + " (commit " + TSUCHI_COMMIT + ")");
  tsuchi::cli::Action action;
  // `tsuchi help [CMD ...]`: the same text as `--help`, for the command named (or for tsuchi).
  std::vector<std::string> help_path;
  auto* help = app.add_subcommand("help", "Show how to use tsuchi, or one command: tsuchi help [COMMAND [SUBCOMMAND]]");
  help->add_option("command", help_path, "a command (and its subcommand), e.g. `import worklog`");
  help->callback([&] {
    action = [&]() -> int {
      const CLI::App* at = &app;
      std::string usage = "tsuchi";
      for (const auto& name : help_path) {
        const CLI::App* next = nullptr;
        for (const auto* sub : at->get_subcommands([](const CLI::App*) { return true; }))
          if (sub->get_name() == name) next = sub;
        if (!next) {
          std::cerr << "tsuchi help: no command '" << name << "'; `tsuchi help` lists them\n";
          return 2;
        }
        at = next;
        usage += " " + name;
      }
      // The formatter, not App::help(): that one shows the help of the command parsed, `help` itself.
      std::cout << at->get_formatter()->make_help(at, usage, CLI::AppFormatMode::Normal);
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
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --help-all, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }
  if (!action) return 2;
  try {
    return action();
  } catch (const std::exception& e) {
    std::cerr << "tsuchi: internal error: " << e.what() << "\n";
    return 3;
  }
}
