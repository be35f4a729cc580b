// Seal: print files into encrypted, signed, self-checking batches for the contractor (SPEC §7).
// Formats of every file written here: output_spec/batch.md.
#pragma once
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/core.hpp"
#include "core/keys.hpp"
#include "core/mynumber.hpp"
#include "core/records.hpp"

namespace tsuchi::seal {

// One file of a bag's payload, path relative to data/ ("print-001.pdf", "insertion.csv").
// Names are readable in the ZIP directory, so they must never carry personal data.
struct PayloadFile {
  std::string name;
  std::string bytes;
};

using BatchCounts = records::BatchCounts;

// Everything one batch holds; the seal stage adds bag, encryption, manifest and keys.
struct BatchSpec {
  std::string batch_id;    // [A-Za-z0-9_-]+, e.g. "R20250901-B001"; names every file of the batch
  std::string run_id;
  std::string created_at;  // ISO-8601 UTC "2025-09-01T01:23:45Z"; also the ZIP entries' mtime
  int index = 1;           // this batch is `index` of `total` (BagIt Bag-Count)
  int total = 1;
  BatchCounts counts;
  // Sheets and estimated grams against the limits ([mailing]); written to the manifest when max_sheets > 0.
  records::MailingFigures mailing;
  std::vector<PayloadFile> payload;
  std::string tool_version = TSUCHI_VERSION;
  // The run's input My Numbers (keyed digests). Everything sealed (ids, file names, text payload,
  // bag tag files, manifest) is scanned for an exact match; no check-digit heuristic here, since
  // structured data (customer-barcode strings, ids) passes the check digit by chance (issue 10).
  const mynumber::Guard* my_numbers = nullptr;
};

// Key material read once for a whole run: the maker's own key signs every manifest (SPEC §13), so
// the release the approver countersigns names who sealed what. Move-only; the secret wipes itself.
struct SealingKeys {
  keys::SecretKey maker;          // a user key (Kind::user), the staff member running the run
  std::string contractor_public;  // 32 bytes, or empty: no B.key.sealed
  bool write_key = false;         // B.key beside B.key.sealed too (`run --write-key`); always without one
};
// `contractor_public_path` empty = no contractor key. Refuses a maker key that is not a user key.
Checked<SealingKeys> load_keys(keys::SecretKey&& maker, const std::string& contractor_public_path);

// The files of one sealed batch B: B.zip, B.key, B.key.sealed, B.manifest.json, B.manifest.json.sig.
struct BatchPaths {
  std::string archive, key, sealed_key, manifest, signature;
};
BatchPaths batch_paths(const std::string& dir, const std::string& batch_id);

struct BatchResult {
  std::string batch_id;
  BatchPaths paths;             // sealed_key is empty when no contractor key was configured; key is
                                // empty when B.key was not written (a sealed key exists, no --write-key)
  std::string archive_sha256;   // hex, as in the manifest
  std::string tagmanifest_sha256;
  std::string manifest_sha256;  // of the B.manifest.json bytes, which the ledger pins
  std::uint64_t archive_bytes = 0;
  std::uint64_t payload_bytes = 0;
};

// Seals one batch into out_dir (created if missing). Atomic: the manifest is renamed into place
// last, so a batch whose B.manifest.json is missing is incomplete, and a rerun replaces it.
// Plaintext payload exists only in memory; the archive is built in memory and written encrypted.
Checked<BatchResult> seal_batch(const BatchSpec& spec, const SealingKeys& keys, const std::string& out_dir);
// The same, taking the payload's bytes instead of copying them: a print file is held once.
Checked<BatchResult> seal_batch(BatchSpec&& spec, const SealingKeys& keys, const std::string& out_dir);

// ---- the run (batch.md "The run summary") ----
// A run's sealed batches, in batch order: what run.json says of them.
struct SealedRun {
  std::string run_id, created_at, user;
  std::vector<records::BatchSummary> batches;
  std::vector<BatchResult> sealed;    // sealed[i] is batches[i] sealed
  std::vector<std::string> warnings;  // input warnings the approver must see (case ids and code points only)
};
std::string run_json(const SealedRun& run);
// What the custody commands read back from DIR/run.json; nullopt when it has no run_id.
struct RunFile {
  std::string dir;  // the run folder it was read from
  std::string run_id;
  std::vector<std::string> warnings;
};
std::optional<RunFile> read_run_json(const std::string& run_dir);

// Seals a run's batches, as they come, into a hidden DIR/.staging-<run_id>, and publishes them
// with run.json only when the whole run passed: a run that stops leaves no file of its own, and
// never touches a file it did not make (DIR is empty by rule when the run starts).
class RunSealer {
 public:
  // Makes the staging folder (0700) in `dir`, an existing private folder; a staging folder that
  // already exists is not used, and every seal then fails. Every batch is scanned for `my_numbers`
  // (the input's, as digests; may be null).
  RunSealer(std::string dir, std::string run_id, std::string created_at, SealingKeys&& keys,
            const mynumber::Guard* my_numbers);
  // Seals one batch; safe to call from several threads. An error message, or empty.
  std::string seal(const records::BatchSummary& batch, std::vector<PayloadFile> payload);
  // Drops the staging folder and everything sealed so far.
  void abandon();
  // Moves the sealed batches into `dir`, each manifest (a batch's commit point) after its other
  // files, then writes run.json with the input's warnings, which the approver must see; false, with
  // nothing of the run left, when that fails.
  bool publish(std::vector<records::BatchSummary> batches, const std::string& user, const Diagnostics& input_problems);
  // The run's record for the ledger (after publish).
  // Once, after publish(): the published run's lists move into the record.
  records::RunRecord record(const std::string& user, const std::string& month_key);
  // The maker's key, moved in with the keys: it also signs the run's audit record and release request.
  const keys::SecretKey& maker_key() const { return keys_.maker; }
  // Removes the files this sealer published in `dir`, and nothing else: run.json first (the run's
  // commit point), then the manifests (each batch's commit point), then the rest.
  void remove();

 private:
  std::string dir_, staging_, run_id_, created_at_;
  SealingKeys keys_;
  const mynumber::Guard* my_numbers_;
  std::mutex m_;
  std::map<int, BatchResult> sealed_;  // by batch index
  SealedRun run_;
  std::string staging_error_;
  std::vector<std::string> published_;  // paths this sealer moved or wrote into dir_
};

// ---- the manifest (plaintext, signed, no personal data) ----
struct Manifest {
  int format_version = 0;
  std::string batch_id, run_id, created_at;
  std::string bag_count;  // "1 of 3"
  BatchCounts counts;
  int payload_files = 0;
  std::uint64_t payload_bytes = 0;
  std::string archive;  // file name of the archive, "B.zip"
  std::uint64_t archive_bytes = 0;
  std::string archive_sha256, tagmanifest_sha256;
  bool key_sealed = false;
  std::string signing_key_sha256;     // the maker's key fingerprint (SHA-256 of the raw key, hex)
  std::string contractor_key_sha256;  // likewise, of the contractor key the passphrase was sealed to
  std::string tool, tool_version;
};
// Reads B.manifest.json, checks its detached signature B.manifest.json.sig against the maker's
// key (as the release's maker certificate names it), and parses it. Nothing is trusted before
// the signature holds.
Checked<Manifest> read_manifest(const std::string& manifest_path, const keys::PublicKey& maker);

// ---- opening (contractor side) ----
struct OpenLimits {                                 // zip-bomb and memory guards
  std::uint64_t max_archive_bytes = 4ull << 30;     // the archive is read into memory once
  std::uint64_t max_unpacked_bytes = 4ull << 30;    // sum of all entries, enforced while reading
  int max_entries = 10000;
};
struct OpenRequest {
  std::string archive;     // B.zip; B.manifest.json, .sig and B.key.sealed are read beside it
  std::string key;         // B.key (passphrase), or
  std::string secret_key;  // the contractor's X25519 secret key, to open B.key.sealed
  std::string release;     // RUN_DIR/release.json: the maker's and the approver's signatures
  std::string city_key;    // city.pub as received from the city (never from the batch): the root both chain to
  OpenLimits limits;
};
// What the release says of a batch that opens (output_spec/release.md).
struct ReleaseFacts {
  std::string run_id;
  std::int64_t sequence = 0;   // a higher one supersedes a lower one
  std::string approved_at, audit_head;
  std::string maker, maker_key_sha256, approver, approver_key_sha256;
  std::string city_key_sha256;
  std::string release_sha256;  // hex SHA-256 of release::signed_bytes: which release, whatever its layout
};
struct VerifiedBatch {
  Manifest manifest;
  std::vector<PayloadFile> files;  // every bag file, path relative to the bag root ("data/x.pdf")
  ReleaseFacts release;
};
// Checks the city key, the release (both signatures, roles, two people), that it lists this
// manifest's digest, the manifest's signature by the release's maker, the archive digest, the
// passphrase, entry names and sizes, and the whole bag, in memory. Writes nothing.
Checked<VerifiedBatch> verify_batch(const OpenRequest& req);

// out_dir/.tsuchi-releases.json: per batch id, the release sequence last opened into out_dir, so
// that an older (superseded) release is refused there (output_spec/release.md).
inline constexpr const char* kReleaseMemory = ".tsuchi-releases.json";

struct OpenedBatch {
  Manifest manifest;
  std::string bag_dir;  // out_dir/<batch_id>
  std::vector<std::string> files;
  ReleaseFacts release;
};
// verify_batch, then the replay memory (a superseded release is refused), then writes the bag to
// out_dir/<batch_id> (via a temp dir renamed into place; an existing bag is never overwritten)
// and records the release. On any failure nothing is left in out_dir.
Checked<OpenedBatch> open_batch(const OpenRequest& req, const std::string& out_dir);
// `tsuchi open --json` (batch.md): what was verified and extracted, on one line.
std::string to_json(const OpenedBatch& b);

// Validates a BagIt bag (RFC 8493) held in memory: bagit.txt, bag-info.txt (Payload-Oxum), both
// SHA-256 and SHA-512 payload and tag manifests, no file missing, none unlisted. `where` prefixes
// file names in messages.
Diagnostics check_bag(const std::vector<PayloadFile>& files, const std::string& where);

}  // namespace tsuchi::seal
