// The `tsuchi` command: each subcommand adds itself to the CLI11 app. Commands turn errors-as-values
// into messages (stderr) and exit codes: 0 success, 1 input errors, 2 usage errors (SPEC §11).
#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/keys.hpp"
#include "ledger/ledger.hpp"
#include "produce/produce.hpp"
#include "text/text.hpp"

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

// Reads and validates IN completely (SPEC §6), including font coverage.
produce::Inputs load_inputs(const InputPaths& in);

// Creates an output folder; false after printing why not.
bool make_folder(const std::string& command, const std::string& path);

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

// A key file's passphrase: --passphrase-file F, else $TSUCHI_PASSPHRASE_FILE, else asked on the
// terminal with echo off (twice for a new key, which must be at least 8 characters).
Checked<keys::Passphrase> obtain_passphrase(const std::string& file_flag, const std::string& key_path, bool new_key);

// ---- the plumbing every custody command shares (cmd_ledger.cpp), so they read the same ----
// Options every custody command shares: --ledger, --as, and (optionally) --municipality.
struct Common {
  std::string ledger, as, municipality;
};
void add_common(CLI::App& cmd, Common& c, bool with_municipality = true,
                const std::string& municipality_help = "municipality.toml: [roles], [office_hours], due days");

// Diagnostics on stderr; those without a file are prefixed with "tsuchi COMMAND".
void print(const std::string& command, const Diagnostics& ds);

// The acting user (--as, else the login name) with the roles of --municipality; nullopt after printing why not.
std::optional<ledger::Actor> actor(const std::string& command, const Common& c);

// The ledger must already exist: only `tsuchi run` creates one, so a mistyped path is caught.
std::optional<ledger::Ledger> open_existing(const std::string& command, const Common& c);

// The fonts of fonts/fonts.toml for supervisor documents; nullptr after printing the problem.
std::unique_ptr<text::TextEngine> text_engine(const std::string& command);

}  // namespace tsuchi::cli
