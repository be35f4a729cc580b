#include <memory>

#include "core/keys.hpp"
#include "tsuchi/commands.hpp"

namespace tsuchi::cli {

// `tsuchi keygen --prefix PREFIX [--kind user|city|contractor] [--no-passphrase] [--passphrase-file F]`
// (SPEC §12, §13; formats in output_spec/keys.md). `--out PREFIX` is the old spelling, still accepted.
void add_keygen(CLI::App& app, Action& action) {
  struct Options {
    std::string prefix, out;
    std::string kind = "signing";  // the city's key, under the name existing scripts use
    bool no_passphrase = false;
    std::string passphrase_file;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "keygen", "Make a key pair: a person's Ed25519 key (--kind user), the city's Ed25519 root key, or a "
                "contractor's X25519 key (--kind contractor)");
  auto* prefix = cmd->add_option("--prefix", o->prefix,
                                 "writes PREFIX.pub and PREFIX.secret (mode 0600); never overwrites");
  // `--out` is a folder on every other command; SPEC §12's `keygen --out PREFIX` keeps working, hidden.
  cmd->add_option("--out", o->out)->group("")->excludes(prefix);
  cmd->add_option("--kind", o->kind,
                  "user (a person, Ed25519, passphrase-encrypted), city (Ed25519; also called signing, the "
                  "default) or contractor (X25519)")
      ->check(CLI::IsMember({"user", "city", "signing", "contractor"}));
  auto* none = cmd->add_flag("--no-passphrase", o->no_passphrase,
                             "user keys: write the secret unencrypted (service and test keys only)");
  cmd->add_option("--passphrase-file", o->passphrase_file,
                  "user keys: the passphrase is the first line of F (else $TSUCHI_PASSPHRASE_FILE, else the terminal)")
      ->excludes(none);
  cmd->callback([&action, o] {
    action = [o](Console& con) {
      const keys::Kind kind = *keys::kind_from(o->kind);
      const bool user = kind == keys::Kind::user;
      const std::string prefix = o->prefix.empty() ? o->out : o->prefix;
      if (prefix.empty()) return con.fail(2, "--prefix PREFIX is required (the key files are PREFIX.pub and PREFIX.secret)");
      if (!user && (o->no_passphrase || !o->passphrase_file.empty()))
        return con.fail(2, "--no-passphrase and --passphrase-file apply to --kind user only; city and contractor "
                           "secret keys are plain files kept at mode 0600");
      std::optional<keys::Passphrase> pass;
      if (user && !o->no_passphrase) {
        auto p = obtain_passphrase(o->passphrase_file, prefix + ".secret", true);
        con.report(p.problems);
        if (!p.ok()) return 1;
        pass = std::move(p.value);
      }
      auto r = keys::generate(prefix, kind, pass ? &*pass : nullptr);
      con.report(r.problems);
      if (!r.ok()) return 1;
      merge(con.result(), keys::to_json(r.value, o->kind));
      const char* what = kind == keys::Kind::city   ? "city signing key, Ed25519"
                         : kind == keys::Kind::user ? "user key, Ed25519"
                                                    : "contractor key, X25519";
      con.note("wrote " + r.value.public_path + " and " + r.value.secret_path + " (" + what +
               ")\n  fingerprint (SHA-256 of the public key): " + r.value.fingerprint +
               "\n  keep the .secret file private; give the .pub file to the other side");
      if (user && o->no_passphrase)
        con.report({Diagnostic{Diagnostic::Severity::warning, r.value.secret_path, 0, 0, "", "",
                               "this key is NOT protected by a passphrase: for service and test keys only"}});
      return 0;
    };
  });
}

}  // namespace tsuchi::cli
