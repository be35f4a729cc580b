#include <memory>

#include "seal/seal.hpp"
#include "tsuchi/commands.hpp"

namespace tsuchi::cli {

// `tsuchi open --archive B.zip --release release.json --city-key city.pub (--key B.key | --secret-key K)
// --out DIR`: the contractor checks the two-signature release against the city's key, then the
// manifest, archive digest and bag, and only then extracts (SPEC §7, §13).
void add_open(CLI::App& app, Action& action) {
  struct Options {
    seal::OpenRequest req;
    std::string out, public_key;
    std::uint64_t max_bytes = 0;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "open", "Verify a sealed batch (release signed by maker and approver, manifest, archive SHA-256, BagIt bag), then extract it");
  cmd->add_option("--archive", o->req.archive, "B.zip; B.manifest.json and its .sig must be beside it")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--release", o->req.release, "RUN_DIR/release.json: the run's release, signed by its maker and an approver");
  cmd->add_option("--city-key", o->req.city_key, "city.pub as received from the city (never one that came with the batch)");
  auto* key = cmd->add_option("--key", o->req.key, "B.key: the batch's passphrase file")->check(CLI::ExistingFile);
  auto* secret = cmd->add_option("--secret-key", o->req.secret_key,
                                 "the contractor's X25519 secret key, to open B.key.sealed beside the archive")
                     ->check(CLI::ExistingFile);
  key->excludes(secret);
  // Gone (the manifest is the maker's, the root is the city's): accepted only to be refused by name.
  auto* public_key = cmd->add_option("--public-key", o->public_key)->group("");
  cmd->add_option("--out", o->out, "folder to extract into; the bag lands in DIR/<batch id>")->required();
  cmd->add_option("--max-bytes", o->max_bytes, "refuse archives unpacking to more than this (default 4 GiB)");
  cmd->callback([&action, o, key, secret, public_key] {
    action = [o, key, secret, public_key](Console& con) {
      if (public_key->count() > 0)
        return con.fail(1, "refused: --public-key is gone: pin the city's key with --city-key city.pub (the "
                           "manifests are signed by their maker, whom the release names)");
      if (key->count() == 0 && secret->count() == 0) return con.fail(2, "give --key B.key or --secret-key K");
      if (o->req.city_key.empty())
        return con.fail(1, "refused: no pinned city key: pass --city-key city.pub (received from the city, not from "
                           "the batch)");
      if (o->req.release.empty()) return con.fail(1, "refused: no release: pass --release RUN_DIR/release.json");
      if (o->max_bytes > 0) o->req.limits.max_unpacked_bytes = o->req.limits.max_archive_bytes = o->max_bytes;
      auto r = seal::open_batch(o->req, o->out);
      if (!r.ok()) {
        con.report(r.problems);
        return con.fail(1, "refused; nothing was extracted");
      }
      const auto& m = r.value.manifest;
      const auto& rel = r.value.release;
      merge(con.result(), seal::to_json(r.value));
      con.note(m.batch_id + " (" + m.bag_count + "): released by " + rel.maker + " (staff) and " + rel.approver +
               " (approver), release " + std::to_string(rel.sequence) + " at audit head " + rel.audit_head +
               "; manifest signature, archive SHA-256 and bag verified; " + std::to_string(m.counts.envelopes) +
               " envelopes, " + std::to_string(m.counts.pages) + " pages, " + std::to_string(m.counts.sheets) +
               " sheets\n  extracted to " + r.value.bag_dir);
      return 0;
    };
  });
}

}  // namespace tsuchi::cli
