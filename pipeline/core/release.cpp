#include "core/release.hpp"

#include <sodium.h>

#include <cctype>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/digest.hpp"

namespace tsuchi::release {
namespace {

// Domain tags: a signature over one of these can never pass as a certificate, an audit record or
// a manifest signature, whose bytes start otherwise.
constexpr auto kRequestTag = "tsuchi-release-request-v1\n";
constexpr auto kReleaseTag = "tsuchi-release-v1\n";
constexpr auto kFormat = "tsuchi-release";
constexpr int kFormatVersion = 1;

Diagnostic error(const std::string& file, std::string reason, std::string value = {}) {
  return {Diagnostic::Severity::error, file, 0, 0, "", std::move(value), std::move(reason)};
}

// A certificate as an object inside the release, so that readers (and `jq`) see its fields;
// text that is not a JSON object stays a string, and keys::check refuses it later.
nlohmann::json certificate_json(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_object()) return j;
  return text;
}

// nlohmann::json keeps object keys in a std::map: dump() without indent is sorted and compact.
nlohmann::json request_json(const Request& r) {
  nlohmann::json batches = nlohmann::json::array();
  for (const auto& b : r.batches) batches.push_back({{"batch_id", b.batch_id}, {"manifest_sha256", b.manifest_sha256}});
  return {{"run_id", r.run_id},
          {"created_at", r.created_at},
          {"batches", batches},
          {"maker_certificate", certificate_json(r.maker_certificate)}};
}

nlohmann::json approval_json(const Approval& a) {
  return {{"sequence", a.sequence},
          {"approved_at", a.approved_at},
          {"audit_head", a.audit_head},
          {"approver_certificate", certificate_json(a.approver_certificate)}};
}

nlohmann::json release_json(const Release& r) {
  return {{"request", request_json(r.request)}, {"maker_signature", r.maker_signature}, {"approval", approval_json(r.approval)}};
}

bool lower_hex(std::string_view s, std::size_t digits) {
  return s.size() == digits && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

std::optional<std::string> unhex(std::string_view hex, std::size_t bytes) {
  std::string out(bytes, '\0');
  std::size_t len = 0;
  if (!lower_hex(hex, 2 * bytes) ||
      sodium_hex2bin(reinterpret_cast<unsigned char*>(out.data()), bytes, hex.data(), hex.size(), nullptr, &len, nullptr) != 0 ||
      len != bytes)
    return std::nullopt;
  return out;
}

// "SEQ:HASH" with SEQ >= 1 and HASH 64 hex digits.
bool audit_head(std::string_view s) {
  auto colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 18) return false;
  auto seq = s.substr(0, colon);
  return seq.find_first_not_of("0123456789") == std::string_view::npos && seq != "0" && seq.front() != '0' &&
         lower_hex(s.substr(colon + 1), 64);
}

bool batch_id(std::string_view s) {
  if (s.empty() || s.size() > 100) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  return true;
}

// Reads the fields of a parsed release.json, naming the first problem of each field by its path.
class Reader {
 public:
  Reader(const std::string& source, Diagnostics& out) : source_(source), out_(out) {}
  const nlohmann::json* object(const nlohmann::json& j, const std::string& path, const char* key, const char* missing) {
    auto it = j.find(key);
    if (it == j.end()) {
      bad(path + key, missing);
      return nullptr;
    }
    if (!it->is_object()) {
      bad(path + key, "must be an object");
      return nullptr;
    }
    return &*it;
  }
  std::string text(const nlohmann::json& j, const std::string& path, const char* key, const char* missing = "is missing") {
    auto it = j.find(key);
    if (it == j.end()) bad(path + key, missing);
    else if (!it->is_string()) bad(path + key, "must be a string");
    else return it->get<std::string>();
    return {};
  }
  // A certificate is an object (as written) or its JSON text; kept as compact text for keys::check.
  std::string certificate(const nlohmann::json& j, const std::string& path, const char* key) {
    auto it = j.find(key);
    if (it == j.end()) bad(path + key, "is missing");
    else if (it->is_object()) return it->dump();
    else if (it->is_string()) return it->get<std::string>();
    else bad(path + key, "must be a certificate (an object)");
    return {};
  }
  void bad(const std::string& field, const std::string& why, std::string value = {}) {
    out_.push_back(error(source_, "field \"" + field + "\" " + why, std::move(value)));
  }

 private:
  const std::string& source_;
  Diagnostics& out_;
};

}  // namespace

std::string signed_bytes(const Request& r) { return kRequestTag + request_json(r).dump(); }

std::string sign_request(const keys::SecretKey& maker, const Request& r) { return digest::hex(maker.sign(signed_bytes(r))); }

std::string signed_bytes(const Release& r) { return kReleaseTag + release_json(r).dump(); }

std::string sign_release(const keys::SecretKey& approver, const Release& r) {
  return digest::hex(approver.sign(signed_bytes(r)));
}

std::string to_json(const Release& r) {
  nlohmann::ordered_json batches = nlohmann::ordered_json::array();
  for (const auto& b : r.request.batches)
    batches.push_back({{"batch_id", b.batch_id}, {"manifest_sha256", b.manifest_sha256}});
  nlohmann::ordered_json j;
  j["format"] = kFormat;
  j["format_version"] = kFormatVersion;
  j["request"] = {{"run_id", r.request.run_id},
                  {"created_at", r.request.created_at},
                  {"batches", batches},
                  {"maker_certificate", certificate_json(r.request.maker_certificate)}};
  j["maker_signature"] = r.maker_signature;
  j["approval"] = {{"sequence", r.approval.sequence},
                   {"approved_at", r.approval.approved_at},
                   {"audit_head", r.approval.audit_head},
                   {"approver_certificate", certificate_json(r.approval.approver_certificate)}};
  j["approver_signature"] = r.approver_signature;
  return j.dump(2) + "\n";
}

Checked<Release> parse(std::string_view json, const std::string& source) {
  Checked<Release> r;
  auto j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    r.problems.push_back(error(source, "not a release: a JSON object expected (RUN_DIR/release.json, written by `tsuchi approve`)"));
    return r;
  }
  Reader read(source, r.problems);
  auto format = j.find("format");
  auto version = j.find("format_version");
  if (format == j.end() || *format != kFormat || version == j.end() || *version != kFormatVersion) {
    read.bad("format", "must be \"tsuchi-release\" with format_version 1");
    return r;
  }
  Release& rel = r.value;
  if (const auto* req = read.object(j, "", "request", "is missing")) {
    rel.request.run_id = read.text(*req, "request.", "run_id");
    rel.request.created_at = read.text(*req, "request.", "created_at");
    if (!rel.request.created_at.empty() && !parse_utc(rel.request.created_at))
      read.bad("request.created_at", "must be UTC, YYYY-MM-DDTHH:MM:SSZ", rel.request.created_at);
    auto batches = req->find("batches");
    if (batches == req->end() || !batches->is_array() || batches->empty()) {
      read.bad("request.batches", "must be a list of at least one batch");
    } else {
      for (std::size_t i = 0; i < batches->size(); ++i) {
        const auto& b = (*batches)[i];
        const std::string at = "request.batches[" + std::to_string(i) + "].";
        if (!b.is_object()) {
          read.bad(at.substr(0, at.size() - 1), "must be an object");
          continue;
        }
        BatchDigest d{read.text(b, at, "batch_id"), read.text(b, at, "manifest_sha256")};
        if (!batch_id(d.batch_id)) read.bad(at + "batch_id", "must be 1-100 of A-Z a-z 0-9 _ -", d.batch_id);
        if (!lower_hex(d.manifest_sha256, 64)) read.bad(at + "manifest_sha256", "must be 64 lower-case hex digits");
        for (const auto& seen : rel.request.batches)
          if (seen.batch_id == d.batch_id) read.bad(at + "batch_id", "lists a batch twice", d.batch_id);
        rel.request.batches.push_back(std::move(d));
      }
    }
    rel.request.maker_certificate = read.certificate(*req, "request.", "maker_certificate");
  }
  rel.maker_signature = read.text(j, "", "maker_signature", "is missing: the maker never signed this release");
  if (const auto* a = read.object(j, "", "approval", "is missing: the run is not approved")) {
    auto seq = a->find("sequence");
    if (seq == a->end() || !seq->is_number_integer() || seq->get<std::int64_t>() < 1)
      read.bad("approval.sequence", "must be a whole number >= 1");
    else
      rel.approval.sequence = seq->get<std::int64_t>();
    rel.approval.approved_at = read.text(*a, "approval.", "approved_at");
    if (!rel.approval.approved_at.empty() && !parse_utc(rel.approval.approved_at))
      read.bad("approval.approved_at", "must be UTC, YYYY-MM-DDTHH:MM:SSZ", rel.approval.approved_at);
    rel.approval.audit_head = read.text(*a, "approval.", "audit_head");
    if (!rel.approval.audit_head.empty() && !audit_head(rel.approval.audit_head))
      read.bad("approval.audit_head", "must be SEQ:HASH (a record number and 64 hex digits)", rel.approval.audit_head);
    rel.approval.approver_certificate = read.certificate(*a, "approval.", "approver_certificate");
  }
  rel.approver_signature = read.text(j, "", "approver_signature", "is missing: no approver signed this release");
  for (auto [field, sig] : {std::pair{"maker_signature", &rel.maker_signature}, {"approver_signature", &rel.approver_signature}})
    if (!sig->empty() && !lower_hex(*sig, 128)) read.bad(field, "must be 128 lower-case hex digits (an Ed25519 signature)");
  if (!r.ok()) r.value = {};
  return r;
}

Checked<Verified> verify(const Release& r, const keys::PublicKey& city, const std::string& source) {
  Checked<Verified> out;
  auto refuse = [&](std::string why) {
    out.problems.push_back(error(source, std::move(why)));
    out.value = {};
    return out;
  };
  if (r.maker_signature.empty()) return refuse("not signed by a maker: the maker's signature is missing");
  if (r.approver_signature.empty() || r.approval.approver_certificate.empty())
    return refuse("not approved: the approver's signature or certificate is missing (`tsuchi approve` writes both)");
  const std::string pinned = " (city key sha256 " + city.fingerprint() + ")";
  auto maker = keys::check(r.request.maker_certificate, city, source);
  if (!maker.ok())
    return refuse("the maker's certificate is not signed by the pinned city key" + pinned + ": " + maker.problems.front().reason);
  auto approver = keys::check(r.approval.approver_certificate, city, source);
  if (!approver.ok())
    return refuse("the approver's certificate is not signed by the pinned city key" + pinned + ": " +
                  approver.problems.front().reason);
  const auto& m = maker.value;
  const auto& a = approver.value;
  if (m.role != keys::Role::staff)
    return refuse("the maker " + m.name + " holds the " + std::string(keys::role_name(m.role)) +
                  " role: a release is requested by staff");
  if (a.role != keys::Role::approver)
    return refuse("the approver " + a.name + " holds the " + std::string(keys::role_name(a.role)) +
                  " role: a release is approved by an approver");
  if (m.name == a.name) return refuse("the maker and the approver are the same person (" + m.name + "): a release needs two people");
  if (m.user_public_key == a.user_public_key)
    return refuse("the maker (" + m.name + ") and the approver (" + a.name +
                  ") sign with the same key: one key signing twice is not two signatures");
  auto maker_key = keys::public_key_from_hex(keys::Kind::user, m.user_public_key);
  auto approver_key = keys::public_key_from_hex(keys::Kind::user, a.user_public_key);
  auto maker_sig = unhex(r.maker_signature, 64);
  auto approver_sig = unhex(r.approver_signature, 64);
  if (!maker_key || !maker_sig || !keys::verify(*maker_key, signed_bytes(r.request), *maker_sig))
    return refuse("the maker's signature (" + m.name +
                  ") does not verify over the request: the run id, a batch digest or the maker's certificate "
                  "was changed after the maker signed");
  if (!approver_key || !approver_sig || !keys::verify(*approver_key, signed_bytes(r), *approver_sig))
    return refuse("the approver's signature (" + a.name +
                  ") does not verify over the release: the request, the sequence, the audit head or a "
                  "certificate was changed after approval");
  out.value = {r, m, a};
  return out;
}

const BatchDigest* find(const Release& r, std::string_view batch_id) {
  for (const auto& b : r.request.batches)
    if (b.batch_id == batch_id) return &b;
  return nullptr;
}

}  // namespace tsuchi::release
