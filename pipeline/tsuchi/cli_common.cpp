#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "core/digest.hpp"
#include "core/file.hpp"
#include "core/toml.hpp"
#include "terminal/terminal.hpp"
#include "tsuchi/commands.hpp"

namespace tsuchi::cli {


void add_input_options(CLI::App& cmd, InputPaths& in) {
  cmd.add_option("--cases", in.cases, "cases.csv (UTF-8 or CP932)")->check(CLI::ExistingFile);
  cmd.add_option("--fees", in.fees, "fees.toml")->check(CLI::ExistingFile);
  cmd.add_option("--municipality", in.municipality, "municipality.toml")->check(CLI::ExistingFile);
  cmd.add_flag("--demo", in.demo, "use the sample data shipped in examples/");
  cmd.add_option("--encoding", in.encoding, "encoding of cases.csv")
      ->check(CLI::IsMember({"auto", "utf8", "cp932"}));
}

bool resolve_inputs(InputPaths& in, Console& con, bool pinned) {
  const std::string ex = data_dir() + "/examples/";
  if (in.demo) {
    if (in.cases.empty()) in.cases = ex + "cases.csv";
    if (in.fees.empty()) in.fees = ex + "fees.toml";
    if (in.municipality.empty() && !pinned) in.municipality = ex + "municipality.toml";
  }
  bool ok = true;
  for (auto [flag, value] : {std::pair{"--cases", &in.cases}, {"--fees", &in.fees}, {"--municipality", &in.municipality}})
    if (value->empty() && !(pinned && value == &in.municipality)) {
      con.error(std::string(flag) + " is required (or --demo)");
      ok = false;
    }
  return ok;
}

std::string data_dir() {
  if (const char* d = std::getenv("TSUCHI_DATA")) return d;
  // An installed tsuchi finds share/tsuchi beside its bin/, wherever the prefix was installed or moved.
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  const auto installed = (exe.parent_path() / TSUCHI_DATA_FROM_BIN).lexically_normal();
  if (!ec && std::filesystem::is_regular_file(installed / "fonts/fonts.toml", ec)) return installed.string();
  return TSUCHI_DATA_DIR;  // a build that was not installed: the source tree
}

bool make_folder(Console& con, const std::string& path) {
  const std::string why = file::private_folder(path);
  if (!why.empty()) con.error("--out " + path + ": " + why);
  return why.empty();
}

produce::Inputs load_inputs(const InputPaths& in, const ledger::PinnedConfig* pinned, progress::Sink* progress) {
  const auto enc = in.encoding == "utf8"    ? ingest::Encoding::utf8
                   : in.encoding == "cp932" ? ingest::Encoding::cp932
                                            : ingest::Encoding::detect;
  if (pinned) return produce::load({in.cases, in.fees, pinned->source, enc, pinned->text}, data_dir(), progress);
  return produce::load({in.cases, in.fees, in.municipality, enc}, data_dir(), progress);
}

terminal::Verbosity verbosity(const Output& out) {
  return out.quiet ? terminal::Verbosity::quiet : out.verbose ? terminal::Verbosity::verbose : terminal::Verbosity::normal;
}

bool matches_pinned(Console& con, const InputPaths& in, const ledger::PinnedConfig& pinned) {
  if (in.municipality.empty()) return true;
  Diagnostics problems;
  const auto text = tomlfile::read(in.municipality, problems);
  con.report(problems);
  if (!text) return false;
  if (digest::sha256_hex(*text) == pinned.sha256) return true;
  con.report({Diagnostic{Diagnostic::Severity::error, in.municipality, 0, 0, "", "",
                         "differs from the configuration pinned in the ledger (sha256 " + pinned.sha256.substr(0, 12) +
                             "…); a supervisor pins a new one with `tsuchi config set`"}});
  return false;
}

Checked<keys::Passphrase> obtain_passphrase(const std::string& file_flag, const std::string& key_path, bool new_key) {
  auto problem = [&](std::string reason) {
    return Checked<keys::Passphrase>{{}, {Diagnostic{Diagnostic::Severity::error, key_path, 0, 0, "", "", std::move(reason)}}};
  };
  Checked<keys::Passphrase> r;
  const char* env = std::getenv("TSUCHI_PASSPHRASE_FILE");
  if (!file_flag.empty() || (env && *env)) {
    r = keys::read_passphrase_file(file_flag.empty() ? std::string(env) : file_flag);
  } else {
    if (!terminal::available())
      return problem("no passphrase: there is no terminal to ask on; pass --passphrase-file F or set $TSUCHI_PASSPHRASE_FILE");
    auto first = terminal::ask_hidden("Passphrase for " + key_path + ": ");
    if (first && new_key) {
      auto again = terminal::ask_hidden("The same passphrase again: ");
      if (again && again->view() != first->view()) return problem("the two passphrases differ; nothing was written");
      if (!again) first.reset();
    }
    if (!first) return problem("no passphrase was read from the terminal");
    r.value = std::move(*first);
  }
  if (!r.ok()) return r;
  if (new_key)
    if (auto weak = keys::weak_passphrase(r.value)) return problem(*weak + "; nothing was written");
  if (r.value.empty()) return problem("the passphrase is empty");
  return r;
}

// From the real uid, not $USER: the OS account beside each audit record must not be a variable anyone can set.
std::string login_name() {
  if (const passwd* pw = getpwuid(getuid())) return pw->pw_name;
  return "uid " + std::to_string(getuid());
}

std::string ledger_path(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("TSUCHI_LEDGER"); env && *env) return env;
  return "tsuchi-ledger.sqlite";
}

void add_common(CLI::App& cmd, Common& c, bool removed_municipality) {
  cmd.add_option("--ledger", c.ledger, "ledger file (default: $TSUCHI_LEDGER or ./tsuchi-ledger.sqlite)");
  cmd.add_option("--key", c.key, "your user secret key, ME.secret (default: $TSUCHI_KEY); you act as its registered owner");
  cmd.add_option("--passphrase-file", c.passphrase_file,
                 "the key's passphrase is the first line of F (else $TSUCHI_PASSPHRASE_FILE, else the terminal)");
  // Hidden: accepted only to be refused with what replaced them (scripts written for §12 fail loudly).
  cmd.add_option("--as", c.as)->group("");
  if (removed_municipality) cmd.add_option("--municipality", c.municipality)->group("");
}

std::optional<int> refuse_removed(Console& con, const Common& c) {
  if (!c.as.empty()) return con.fail(1, "--as is gone: the acting user is the registered owner of --key");
  if (!c.municipality.empty())
    return con.fail(1, "--municipality " + c.municipality +
                           ": roles come from the ledger, never from a file on the command line");
  return std::nullopt;
}

namespace {

// The key of --key or $TSUCHI_KEY, a user key, its passphrase asked only when it is encrypted.
Checked<keys::SecretKey> read_user_key(const std::string& command, const Common& c) {
  std::string path = c.key;
  if (const char* env = std::getenv("TSUCHI_KEY"); path.empty() && env && *env) path = env;
  if (path.empty())
    return {{}, {Diagnostic{Diagnostic::Severity::error, "", 0, 0, "", "",
                            "no key: give --key ME.secret or set $TSUCHI_KEY (" + command +
                                " acts as the registered owner of that key)"}}};
  return keys::read_secret(path, keys::Kind::user, [&] { return obtain_passphrase(c.passphrase_file, path, false); });
}

}  // namespace

std::unique_ptr<Session> open_session(Console& con, const Common& c, const std::vector<keys::Role>& roles,
                                      const std::vector<std::string>& objects, const std::string& audited) {
  const std::string command = audited.empty() ? con.command() : audited;
  if (refuse_removed(con, c)) return nullptr;
  auto l = ledger::Ledger::open(ledger_path(c.ledger));
  if (!l.ok()) {
    con.report(l.problems);
    return nullptr;
  }
  auto key = read_user_key(command, c);
  if (!key.ok()) {
    con.report(key.problems);
    return nullptr;
  }
  auto s = std::make_unique<Session>();
  s->ledger = std::move(l.value);
  s->key = std::move(key.value);
  auto who = s->ledger.identify(s->key, login_name(), command, roles, objects);
  if (!who.ok()) {
    con.report(who.problems);
    return nullptr;
  }
  s->actor = std::move(who.value);
  s->actor.key = &s->key;
  return s;
}

std::optional<ledger::Ledger> open_read_only(Console& con, const std::string& ledger_flag) {
  auto l = ledger::Ledger::open(ledger_path(ledger_flag), ledger::Ledger::Access::read_only);
  if (!l.ok()) {
    con.report(l.problems);
    return std::nullopt;
  }
  return std::move(l.value);
}

void add_query(CLI::App& parent, Action& action, const std::string& name, const std::string& help,
               std::function<void(const ledger::Ledger&, Console&)> show) {
  struct Opts {
    std::string ledger;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = parent.add_subcommand(name, help);
  cmd->add_option("--ledger", o->ledger, "ledger file (default: $TSUCHI_LEDGER or ./tsuchi-ledger.sqlite)");
  cmd->callback([o, &action, show] {
    action = [o, show](Console& con) {
      auto l = open_read_only(con, o->ledger);
      if (!l) return 1;
      show(*l, con);
      return 0;
    };
  });
}

std::unique_ptr<text::TextEngine> text_engine(Console& con) {
  auto te = text::TextEngine::load(data_dir() + "/fonts/fonts.toml");
  if (!te.ok()) {
    con.report(te.problems);
    return nullptr;
  }
  return std::move(te.value);
}

void merge(Json& into, const std::string& json_text) {
  const Json members = Json::parse(json_text);
  for (const auto& [key, value] : members.items()) into[key] = value;
}

}  // namespace tsuchi::cli
