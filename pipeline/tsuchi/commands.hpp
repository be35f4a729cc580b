// The `tsuchi` command: each subcommand adds itself to the CLI11 app. Commands turn errors-as-values
// into messages (stderr), one JSON document with --json (stdout) and exit codes: 0 success, 1 input
// errors, 2 usage errors (output_spec/cli.md).
#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/keys.hpp"
#include "ledger/ledger.hpp"
#include "produce/produce.hpp"
#include "terminal/terminal.hpp"
#include "text/text.hpp"

namespace tsuchi::cli {

// Keys keep the order they were set in, so every document reads schema, command, ok first.
using Json = nlohmann::ordered_json;

// --json, --json-file, --quiet, --verbose: the same on every command (added by main, once).
struct Output {
  bool json = false;      // one JSON document on stdout
  std::string json_file;  // the same document, written to this file
  bool quiet = false;     // no progress, no information lines; problems still printed
  bool verbose = false;   // more detail (per-batch lines, stage timings)
};
// The version of every command's JSON document; bumped when a key changes meaning or goes.
inline constexpr int kSchemaVersion = 1;
// "tsuchi.import.worklog/1" for `import worklog`.
std::string schema_of(const std::string& command);
// Problems as JSON objects: severity, file, line, column, column_name, value, reason (null when unknown).
Json problems_json(const Diagnostics& ds);

// One command's conversation with its user: every human line goes to stderr; with --json, finish()
// prints one document on stdout: schema, command, ok, exit_code, the command's result, errors, warnings.
class Console {
 public:
  Console(std::string command, const Output& out);
  const std::string& command() const { return command_; }
  const Output& output() const { return out_; }
  // Problems, each on one line of stderr and kept for the document.
  void report(const Diagnostics& ds);
  // A problem of the command itself: "tsuchi COMMAND: reason" (or "file: error: reason").
  void error(std::string reason, std::string file = {});
  int fail(int code, std::string reason, std::string file = {});  // error(), then `code`
  // Information for a person ("tsuchi COMMAND: text"); --quiet drops it.
  void note(const std::string& text);
  void say(const std::string& text);  // verbatim (reports, listings); --quiet drops it
  // The command's own fields of the document.
  Json& result() { return result_; }
  // Prints the document (with --json / --json-file) and returns the exit code.
  int finish(int code);

 private:
  std::string prefix() const;  // "tsuchi COMMAND: "
  std::string command_;
  Output out_;
  Json result_ = Json::object();
  Diagnostics problems_;
};

// IN = --cases F --fees F --municipality F [--encoding auto|utf8|cp932]
struct InputPaths {
  std::string cases, fees, municipality;
  std::string encoding = "auto";
  bool demo = false;  // --demo: the sample cases and fees in examples/
};
void add_input_options(CLI::App& cmd, InputPaths& in);
// Fills --demo paths; false (after printing the usage problem) when an input is still missing.
// With `pinned` (run, preview) the configuration comes from the ledger, so --municipality is optional.
bool resolve_inputs(InputPaths& in, Console& con, bool pinned = false);

// Reads and validates IN completely (SPEC §6), including font coverage. With `pinned`, the
// municipality is the ledger's pinned configuration (matches_pinned checks --municipality against it).
// `progress` (may be null) is told the reading and checking stages.
produce::Inputs load_inputs(const InputPaths& in, const ledger::PinnedConfig* pinned = nullptr,
                            progress::Sink* progress = nullptr);
// --quiet and --verbose as the progress display's verbosity (run, preview).
terminal::Verbosity verbosity(const Output& out);
// False after printing why: --municipality was given and differs from the pinned configuration.
bool matches_pinned(Console& con, const InputPaths& in, const ledger::PinnedConfig& pinned);

// Makes an output folder private (file::private_folder: created 0700, or an existing folder of this
// user tightened to 0700; another user's folder is refused); false after printing why not.
bool make_folder(Console& con, const std::string& path);

// Folder holding fonts/, templates/, layouts/ and examples/: $TSUCHI_DATA, else the installed share/tsuchi
// beside the running binary's bin/, else the source tree (output_spec/install.md).
std::string data_dir();

// Adds --json, --json-file, --quiet and --verbose to every command that runs (every leaf of `app`).
void add_output_flags(CLI::App& app, Output& out);
// The command the user ran, by its full name ("import worklog"); "tsuchi" when none was parsed.
std::string parsed_command(const CLI::App& app);

// What a subcommand does when it runs: its exit code, its words through the console.
using Action = std::function<int(Console&)>;

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
std::optional<int> refuse_removed(Console& con, const Common& c);

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
// `audited` names the act in the audit record when it is not the command's name.
std::unique_ptr<Session> open_session(Console& con, const Common& c, const std::vector<keys::Role>& roles = {},
                                      const std::vector<std::string>& objects = {}, const std::string& audited = {});
// The ledger opened for reading only (audit, user list, reconcile of an evidence copy).
std::optional<ledger::Ledger> open_read_only(Console& con, const std::string& ledger_flag);
// A read-only query under `parent` (`audit head`, `user list`): --ledger, no key; `show` fills the
// console's result and prints the human form.
void add_query(CLI::App& parent, Action& action, const std::string& name, const std::string& help,
               std::function<void(const ledger::Ledger&, Console&)> show);

// The fonts of fonts/fonts.toml for supervisor documents; nullptr after printing the problem.
std::unique_ptr<text::TextEngine> text_engine(Console& con);
// The members of a stage's JSON object, added to `into` (the command's result).
void merge(Json& into, const std::string& json_text);

}  // namespace tsuchi::cli
