#include <sys/prctl.h>
#include <sys/resource.h>

#include <iostream>

#include "tsuchi/commands.hpp"

int main(int argc, char** argv) {
  // Plaintext notices, passphrases and secret keys live in this process's memory: never in a core dump.
  const rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  CLI::App app{"tsuchi: child-care fee notices, payment slips and sealed print batches"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(TSUCHI_VERSION));
  tsuchi::cli::Action action;
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
