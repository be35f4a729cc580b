// A release (出荷承認): the two signatures without which the contractor opens nothing (SPEC §13).
// The maker signs a request when the run is sealed; the approver countersigns the whole release
// after the review. Written by approve (ledger), checked by open (seal); format: output_spec/release.md.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.hpp"
#include "core/keys.hpp"

namespace tsuchi::release {

struct BatchDigest {
  std::string batch_id;
  std::string manifest_sha256;  // hex SHA-256 of the B.manifest.json bytes
  bool operator==(const BatchDigest&) const = default;
};

// The maker's statement at `tsuchi run`: these batches of this run, sealed by me.
struct Request {
  std::string run_id;
  std::string created_at;          // the run's, ISO-8601 UTC
  std::vector<BatchDigest> batches;  // in batch order
  std::string maker_certificate;   // keys::to_json(Certificate) of the maker
};
// Canonical bytes the maker signs (domain-separated from every other signature tsuchi makes).
std::string signed_bytes(const Request& r);
// Hex Ed25519 signature of signed_bytes(r).
std::string sign_request(const keys::SecretKey& maker, const Request& r);

struct Approval {
  std::int64_t sequence = 0;        // the approval's audit seq: a higher one supersedes a lower one
  std::string approved_at;          // ISO-8601 UTC
  std::string audit_head;           // "SEQ:HASH": the ledger's head when it was approved
  std::string approver_certificate; // keys::to_json(Certificate) of the approver
};

struct Release {
  Request request;
  std::string maker_signature;  // hex, over signed_bytes(request)
  Approval approval;
  std::string approver_signature;  // hex, over signed_bytes(release)
};
// Canonical bytes the approver signs: the request, the maker's signature and the approval.
std::string signed_bytes(const Release& r);
std::string sign_release(const keys::SecretKey& approver, const Release& r);

// RUN_DIR/release.json.
std::string to_json(const Release& r);
// Structure only (no signature is checked); `source` names the file in messages.
Checked<Release> parse(std::string_view json, const std::string& source);

// What open learns from a release that holds.
struct Verified {
  Release release;
  keys::Certificate maker, approver;
};
// The contractor's checks: both certificates chain to `city`; the maker holds the staff role and the
// approver the approver role; they are different people with different keys; both signatures verify.
// Each refusal names what is missing.
Checked<Verified> verify(const Release& r, const keys::PublicKey& city, const std::string& source);

// The listed digest of `batch_id`, or nullptr when the release does not list it.
const BatchDigest* find(const Release& r, std::string_view batch_id);

}  // namespace tsuchi::release
