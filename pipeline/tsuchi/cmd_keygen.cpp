#include <iostream>
#include <memory>

#include "seal/seal.hpp"
#include "tsuchi/commands.hpp"

namespace tsuchi::cli {

// `tsuchi keygen --out PREFIX [--kind signing|contractor] [--json]` (SPEC §12; formats in
// output_spec/batch.md).
void add_keygen(CLI::App& app, Action& action) {
  struct Options {
    std::string out;
    std::string kind = "signing";
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "keygen", "Make a key pair: the city's Ed25519 signing key, or a contractor's X25519 key (--kind contractor)");
  cmd->add_option("--out", o->out, "PREFIX: writes PREFIX.pub and PREFIX.secret (mode 0600); never overwrites")
      ->required();
  cmd->add_option("--kind", o->kind, "signing (city, Ed25519; default) or contractor (X25519)")
      ->check(CLI::IsMember({"signing", "contractor"}));
  cmd->add_flag("--json", o->json, "print the written paths and the key fingerprint as JSON on stdout");
  cmd->callback([&action, o] {
    action = [o] {
      auto kind = o->kind == "contractor" ? seal::KeyKind::contractor : seal::KeyKind::signing;
      auto r = seal::keygen(o->out, kind);
      if (!r.ok()) {
        print_problems(r.problems);
        return 1;
      }
      if (o->json) std::cout << seal::to_json(r.value, kind);
      std::cerr << "tsuchi: wrote " << r.value.public_path << " and " << r.value.secret_path << " ("
                << (kind == seal::KeyKind::signing ? "city signing key, Ed25519" : "contractor key, X25519")
                << ")\n  fingerprint (SHA-256 of the public key): " << r.value.fingerprint
                << "\n  keep the .secret file private; give the .pub file to the other side\n";
      return 0;
    };
  });
}

}  // namespace tsuchi::cli
