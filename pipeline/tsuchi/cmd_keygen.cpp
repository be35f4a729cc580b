#include <iostream>
#include <memory>

#include "core/keys.hpp"
#include "tsuchi/commands.hpp"

namespace tsuchi::cli {

// `tsuchi keygen --out PREFIX [--kind user|city|contractor] [--no-passphrase] [--passphrase-file F]
// [--json]` (SPEC §12, §13; formats in output_spec/keys.md).
void add_keygen(CLI::App& app, Action& action) {
  struct Options {
    std::string out;
    std::string kind = "signing";  // the city's key, under the name existing scripts use
    bool no_passphrase = false;
    std::string passphrase_file;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "keygen", "Make a key pair: a person's Ed25519 key (--kind user), the city's Ed25519 root key, or a "
                "contractor's X25519 key (--kind contractor)");
  cmd->add_option("--out", o->out, "PREFIX: writes PREFIX.pub and PREFIX.secret (mode 0600); never overwrites")
      ->required();
  cmd->add_option("--kind", o->kind,
                  "user (a person, Ed25519, passphrase-encrypted), city (Ed25519; also called signing, the "
                  "default) or contractor (X25519)")
      ->check(CLI::IsMember({"user", "city", "signing", "contractor"}));
  auto* none = cmd->add_flag("--no-passphrase", o->no_passphrase,
                             "user keys: write the secret unencrypted (service and test keys only)");
  cmd->add_option("--passphrase-file", o->passphrase_file,
                  "user keys: the passphrase is the first line of F (else $TSUCHI_PASSPHRASE_FILE, else the terminal)")
      ->excludes(none);
  cmd->add_flag("--json", o->json, "print the written paths and the key fingerprint as JSON on stdout");
  cmd->callback([&action, o] {
    action = [o] {
      const keys::Kind kind = *keys::kind_from(o->kind);
      const bool user = kind == keys::Kind::user;
      if (!user && (o->no_passphrase || !o->passphrase_file.empty())) {
        std::cerr << "tsuchi keygen: --no-passphrase and --passphrase-file apply to --kind user only; city and "
                     "contractor secret keys are plain files kept at mode 0600\n";
        return 2;
      }
      std::optional<keys::Passphrase> pass;
      if (user && !o->no_passphrase) {
        auto p = obtain_passphrase(o->passphrase_file, o->out + ".secret", true);
        if (!p.ok()) {
          print_problems(p.problems);
          return 1;
        }
        pass = std::move(p.value);
      }
      auto r = keys::generate(o->out, kind, pass ? &*pass : nullptr);
      if (!r.ok()) {
        print_problems(r.problems);
        return 1;
      }
      if (o->json) std::cout << keys::to_json(r.value, o->kind) << "\n";
      const char* what = kind == keys::Kind::city   ? "city signing key, Ed25519"
                         : kind == keys::Kind::user ? "user key, Ed25519"
                                                    : "contractor key, X25519";
      std::cerr << "tsuchi: wrote " << r.value.public_path << " and " << r.value.secret_path << " (" << what
                << ")\n  fingerprint (SHA-256 of the public key): " << r.value.fingerprint
                << "\n  keep the .secret file private; give the .pub file to the other side\n";
      if (user && o->no_passphrase)
        std::cerr << "tsuchi: WARNING: " << r.value.secret_path
                  << ": this key is NOT protected by a passphrase: for service and test keys only\n";
      return 0;
    };
  });
}

}  // namespace tsuchi::cli
