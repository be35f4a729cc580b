// The `tsuchi` command: each subcommand adds itself to the CLI11 app. Commands turn errors-as-values
// into messages (stderr) and exit codes: 0 success, 1 input errors, 2 usage errors (SPEC §11).
#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>

#include "ingest/ingest.hpp"

namespace tsuchi::cli {

// IN = --cases F --fees F --municipality F [--encoding auto|utf8|cp932]
struct InputPaths {
  std::string cases, fees, municipality;
  std::string encoding = "auto";
  bool demo = false;  // --demo: the sample data in examples/
};
void add_input_options(CLI::App& cmd, InputPaths& in);
// Fills --demo paths; false (after printing the usage problem) when an input is still missing.
bool resolve_inputs(InputPaths& in, const std::string& command);

// Everything read and validated from IN; `problems` lists every error and warning.
struct Inputs {
  std::vector<ingest::Case> cases;
  ingest::FeeSchedules fees;
  ingest::Municipality municipality;
  Diagnostics problems;
  std::shared_ptr<const mynumber::Guard> my_numbers;  // the input's My Numbers as keyed digests (seal's scan)
};
// Reads and validates IN completely (SPEC §6), including font coverage.
Inputs load_and_validate(const InputPaths& in, const std::string& data_dir);

// Writes under a temporary name and renames, so no reader ever sees half a file.
bool write_atomically(const std::string& path, std::string_view bytes);

// Prints diagnostics to stderr, one per line.
void print_problems(const Diagnostics& ds);

// Folder holding fonts/, templates/ and layouts/ (TSUCHI_DATA or the source tree).
std::string data_dir();

// The exit code a subcommand sets when it runs; main returns it.
using Action = std::function<int()>;

void add_validate(CLI::App& app, Action& action);
void add_barcode(CLI::App& app, Action& action);
void add_preview(CLI::App& app, Action& action);
void add_run(CLI::App& app, Action& action);
void add_keygen(CLI::App& app, Action& action);
void add_open(CLI::App& app, Action& action);

// Custody (cmd_ledger.cpp): approve, handover, import receipt|worklog|returns|certificate, reconcile, audit verify.
void add_approve(CLI::App& app, Action& action);
void add_handover(CLI::App& app, Action& action);
void add_import(CLI::App& app, Action& action);
void add_reconcile(CLI::App& app, Action& action);
void add_audit(CLI::App& app, Action& action);
// Supervisor documents (cmd_review.cpp): review RUN_DIR, certificate form BATCH.
void add_review(CLI::App& app, Action& action);
void add_certificate(CLI::App& app, Action& action);
// Ledger file: --ledger, else $TSUCHI_LEDGER, else ./tsuchi-ledger.sqlite (SPEC §12).
std::string ledger_path(const std::string& flag);
// The login name, the acting user when --as is not given (defined in cmd_run.cpp).
std::string login_name();

}  // namespace tsuchi::cli
