#include <iostream>
#include <memory>

#include "seal/seal.hpp"
#include "tsuchi/commands.hpp"

namespace tsuchi::cli {

// `tsuchi open --archive B.zip (--key B.key | --secret-key K) --out DIR [--public-key city.pub]`:
// the contractor verifies signature, archive digest and bag, and only then extracts (SPEC §7).
void add_open(CLI::App& app, Action& action) {
  struct Options {
    seal::OpenRequest req;
    std::string out;
    std::uint64_t max_bytes = 0;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("open", "Verify a sealed batch (signature, archive SHA-256, BagIt bag), then extract it");
  cmd->add_option("--archive", o->req.archive, "B.zip; B.manifest.json and its .sig must be beside it")
      ->required()
      ->check(CLI::ExistingFile);
  auto* key = cmd->add_option("--key", o->req.key, "B.key: the batch's passphrase file")->check(CLI::ExistingFile);
  auto* secret = cmd->add_option("--secret-key", o->req.secret_key,
                                 "the contractor's X25519 secret key, to open B.key.sealed beside the archive")
                     ->check(CLI::ExistingFile);
  key->excludes(secret);
  cmd->add_option("--public-key", o->req.public_key,
                  "the city's public key as received from the city (default: city.pub beside the archive)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", o->out, "folder to extract into; the bag lands in DIR/<batch id>")->required();
  cmd->add_option("--max-bytes", o->max_bytes, "refuse archives unpacking to more than this (default 4 GiB)");
  cmd->add_flag("--json", o->json, "print what was verified and extracted as JSON on stdout");
  cmd->callback([&action, o, key, secret] {
    action = [o, key, secret] {
      if (key->count() == 0 && secret->count() == 0) {
        std::cerr << "tsuchi open: give --key B.key or --secret-key K\n";
        return 2;
      }
      if (o->max_bytes > 0) o->req.limits.max_unpacked_bytes = o->req.limits.max_archive_bytes = o->max_bytes;
      auto r = seal::open_batch(o->req, o->out);
      if (!r.ok()) {
        print_problems(r.problems);
        std::cerr << "tsuchi open: refused; nothing was extracted\n";
        return 1;
      }
      const auto& m = r.value.manifest;
      if (o->req.public_key.empty())
        std::cerr << "tsuchi open: warning: signature checked against " << r.value.public_key_used
                  << ", which came with the batch; pin the city's key with --public-key\n";
      std::cerr << "tsuchi open: " << m.batch_id << " (" << m.bag_count << "): signature, archive SHA-256 and bag "
                << "verified; " << m.counts.envelopes << " envelopes, " << m.counts.pages << " pages, "
                << m.counts.sheets << " sheets\n  extracted to " << r.value.bag_dir << "\n";
      if (o->json) std::cout << seal::to_json(r.value);
      return 0;
    };
  });
}

}  // namespace tsuchi::cli
