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
#include "terminal/terminal.hpp"
#include "text/text.hpp"

namespace tsuchi::cli {

// IN = --cases F --fees F --municipality F [--encoding auto|utf8|cp932]
struct InputPaths {
  std::string cases, fees, municipality;
  std::string encoding = "auto";
  bool demo = false;  // --demo: the sample cases and fees in examples/
};
void add_input_options(CLI::App& cmd, InputPaths& in);
// Fills --demo paths; false (after printing the usage problem) when an input is still missing.
// With `pinned` (run, preview) the configuration comes from the ledger, so --municipality is optional.
bool resolve_inputs(InputPaths& in, const std::string& command, bool pinned = false);

// Reads and validates IN completely (SPEC §6), including font coverage. With `pinned`, the
// municipality is the ledger's pinned configuration (matches_pinned checks --municipality against it).
// `progress` (may be null) is told the reading and checking stages.
produce::Inputs load_inputs(const InputPaths& in, const ledger::PinnedConfig* pinned = nullptr,
                            progress::Sink* progress = nullptr);
// --quiet and --verbose: how much progress the long commands (run, preview) show on stderr.
void add_verbosity(CLI::App& cmd, terminal::Verbosity& v);
// False after printing why: --municipality was given and differs from the pinned configuration.
bool matches_pinned(const std::string& command, const InputPaths& in, const ledger::PinnedConfig& pinned);

// Makes an output folder private (file::private_folder: created 0700, or an existing folder of this
// user tightened to 0700; another user's folder is refused); false after printing why not.
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
// `tsuchi void RUN --reason TEXT` (cmd_void.cpp): approver or supervisor.
void add_void(CLI::App& app, Action& action);

// Custody (cmd_ledger.cpp): approve, handover, import receipt|worklog|returns|certificate, reconcile, audit.
void add_approve(CLI::App& app, Action& action);
void add_handover(CLI::App& app, Action& action);
void add_import(CLI::App& app, Action& action);
void add_reconcile(CLI::App& app, Action& action);
void add_audit(CLI::App& app, Action& action);
// Identity (cmd_users.cpp): ledger init, user add|revoke|list, config set.
void add_ledger(CLI::App& app, Action& action);
void add_user(CLI::App& app, Action& action);
void add_config(CLI::App& app, Action& action);
// Supervisor documents (cmd_review.cpp): review RUN_DIR, certificate form BATCH.
void add_review(CLI::App& app, Action& action);
void add_certificate(CLI::App& app, Action& action);
// Ledger file: --ledger, else $TSUCHI_LEDGER, else ./tsuchi-ledger.sqlite (SPEC §12).
std::string ledger_path(const std::string& flag);
// The OS account, recorded beside the acting user in every audit record.
std::string login_name();

// A key file's passphrase: --passphrase-file F, else $TSUCHI_PASSPHRASE_FILE, else asked on the
// terminal with echo off (twice for a new key, which must be at least 8 characters).
Checked<keys::Passphrase> obtain_passphrase(const std::string& file_flag, const std::string& key_path, bool new_key);

// ---- the plumbing every custody command shares (cli_common.cpp), so they read the same ----
// --ledger, --key ME.secret, --passphrase-file F, and the removed --as / --municipality, kept hidden
// only to be refused with a message naming what replaced them.
struct Common {
  std::string ledger, key, passphrase_file;
  std::string as, municipality;  // removed: refused when given
};
void add_common(CLI::App& cmd, Common& c, bool removed_municipality = true);
// Exit 1 with the replacement named when a removed option was given; nullopt otherwise.
std::optional<int> refuse_removed(const std::string& command, const Common& c);

// Diagnostics on stderr; those without a file are prefixed with "tsuchi COMMAND".
void print(const std::string& command, const Diagnostics& ds);

// One command's ledger and acting user. Not movable: actor.key points at key.
struct Session {
  ledger::Ledger ledger;
  keys::SecretKey key;
  ledger::Actor actor;
  Session() = default;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
};
// Opens the ledger (missing, `:memory:` and uninitialised ones refused), reads --key (or $TSUCHI_KEY)
// and identifies its registered owner holding one of `roles` (empty: any). nullptr after printing why not.
std::unique_ptr<Session> open_session(const std::string& command, const Common& c,
                                      const std::vector<keys::Role>& roles = {},
                                      const std::vector<std::string>& objects = {});
// The ledger opened for reading only (audit, user list, reconcile of an evidence copy).
std::optional<ledger::Ledger> open_read_only(const std::string& command, const std::string& ledger_flag);
// A read-only query under `parent` (`audit head`, `user list`): --ledger and --json, no key; `show`
// gives what is printed on stdout.
void add_query(CLI::App& parent, Action& action, const std::string& name, const std::string& help,
               const std::string& json_help, std::function<std::string(const ledger::Ledger&, bool json)> show);

// The fonts of fonts/fonts.toml for supervisor documents; nullptr after printing the problem.
std::unique_ptr<text::TextEngine> text_engine(const std::string& command);

}  // namespace tsuchi::cli
