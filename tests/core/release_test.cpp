// The two-signature release: what the contractor's side accepts, and every way round it refused.
#include <doctest/doctest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "core/digest.hpp"
#include "core/keys.hpp"
#include "core/release.hpp"

using namespace tsuchi;

namespace {

std::string messages(const Diagnostics& ds) {
  std::string s;
  for (const auto& d : ds) s += format(d) + "\n";
  return s;
}

std::string certificate(const keys::SecretKey& city, const std::string& name, keys::Role role, const keys::PublicKey& key) {
  keys::Certificate c;
  c.name = name;
  c.role = role;
  c.user_public_key = key.hex();
  c.issued_at = "2025-08-01T00:00:00Z";
  c.serial = name;
  auto r = keys::certify(city, c);
  REQUIRE_MESSAGE(r.ok(), messages(r.problems));
  return keys::to_json(r.value);
}

// A city, its staff member tanaka (the maker), its approver suzuki, and another city's key.
struct Office {
  keys::SecretKey city = keys::SecretKey::generate(keys::Kind::city);
  keys::SecretKey other_city = keys::SecretKey::generate(keys::Kind::city);
  keys::SecretKey maker = keys::SecretKey::generate(keys::Kind::user);
  keys::SecretKey approver = keys::SecretKey::generate(keys::Kind::user);
  std::string maker_cert = certificate(city, "tanaka", keys::Role::staff, maker.public_key());
  std::string approver_cert = certificate(city, "suzuki", keys::Role::approver, approver.public_key());

  release::Request request() const {
    return {"R20250901",
            "2025-09-01T01:00:00Z",
            {{"R20250901-B001", std::string(64, 'a')}, {"R20250901-B002", std::string(64, 'b')}},
            maker_cert};
  }
  // Signed as run (the maker) and approve (the approver) sign it.
  release::Release release() const {
    release::Release r;
    r.request = request();
    r.maker_signature = release::sign_request(maker, r.request);
    r.approval = {7, "2025-09-02T03:00:00Z", "6:" + std::string(64, 'c'), approver_cert};
    r.approver_signature = release::sign_release(approver, r);
    return r;
  }
};

// After a change to the request, the maker signs again (as an honest re-run would).
void maker_signs(release::Release& r, const keys::SecretKey& k) { r.maker_signature = release::sign_request(k, r.request); }
void approver_signs(release::Release& r, const keys::SecretKey& k) { r.approver_signature = release::sign_release(k, r); }

}  // namespace

TEST_CASE("an honest release verifies, survives release.json, and names both people") {
  Office o;
  auto r = o.release();
  auto v = release::verify(r, o.city.public_key(), "release.json");
  REQUIRE_MESSAGE(v.ok(), messages(v.problems));
  CHECK(v.value.maker.name == "tanaka");
  CHECK(v.value.approver.name == "suzuki");
  CHECK(v.value.maker.role == keys::Role::staff);

  const std::string text = release::to_json(r);
  auto back = release::parse(text, "release.json");
  REQUIRE_MESSAGE(back.ok(), messages(back.problems));
  CHECK(back.value.request.run_id == r.request.run_id);
  CHECK(back.value.request.batches == r.request.batches);
  CHECK(back.value.approval.sequence == 7);
  CHECK(back.value.approval.audit_head == r.approval.audit_head);
  CHECK(release::signed_bytes(back.value) == release::signed_bytes(r));
  CHECK(release::verify(back.value, o.city.public_key(), "release.json").ok());
  // The certificates are objects in the file, readable with jq (README's contractor route).
  auto j = nlohmann::json::parse(text);
  CHECK(j["request"]["maker_certificate"]["user_public_key"] == o.maker.public_key().hex());
  CHECK(j["approval"]["approver_certificate"]["name"] == "suzuki");

  REQUIRE(release::find(r, "R20250901-B002"));
  CHECK(release::find(r, "R20250901-B002")->manifest_sha256 == std::string(64, 'b'));
  CHECK(release::find(r, "R20250901-B003") == nullptr);
}

TEST_CASE("canonical bytes: a domain tag line, then compact JSON with sorted keys (output_spec/release.md)") {
  release::Request q{"R1", "2025-09-01T01:00:00Z", {{"R1-B001", std::string(64, '0')}}, "{\"name\":\"x\"}"};
  // Written out by hand from output_spec/release.md, not produced by the code under test.
  CHECK(release::signed_bytes(q) ==
        "tsuchi-release-request-v1\n"
        "{\"batches\":[{\"batch_id\":\"R1-B001\",\"manifest_sha256\":\"" + std::string(64, '0') +
            "\"}],\"created_at\":\"2025-09-01T01:00:00Z\",\"maker_certificate\":{\"name\":\"x\"},\"run_id\":\"R1\"}");
  release::Release r{q, "ab", {3, "2025-09-02T00:00:00Z", "2:" + std::string(64, 'f'), "{\"name\":\"y\"}"}, "cd"};
  CHECK(release::signed_bytes(r) ==
        "tsuchi-release-v1\n"
        "{\"approval\":{\"approved_at\":\"2025-09-02T00:00:00Z\",\"approver_certificate\":{\"name\":\"y\"},"
        "\"audit_head\":\"2:" + std::string(64, 'f') + "\",\"sequence\":3},\"maker_signature\":\"ab\",\"request\":" +
            release::signed_bytes(q).substr(26) + "}");
}

TEST_CASE("attacks on the release: each is refused, naming what is missing") {
  struct Row {
    const char* attack;
    std::function<void(Office&, release::Release&)> change;
    const char* expect;
  };
  const Row rows[] = {
      {"unapproved: no approver signature", [](Office&, auto& r) { r.approver_signature.clear(); }, "not approved"},
      {"unapproved: no approval at all", [](Office&, auto& r) { r.approval = {}, r.approver_signature.clear(); },
       "not approved"},
      {"no maker signature", [](Office&, auto& r) { r.maker_signature.clear(); }, "not signed by a maker: the maker's signature is missing"},
      {"maker approves under the same name with a second key",
       [](Office& o, auto& r) {
         auto second = keys::SecretKey::generate(keys::Kind::user);
         r.approval.approver_certificate = certificate(o.city, "tanaka", keys::Role::approver, second.public_key());
         approver_signs(r, second);
       },
       "the maker and the approver are the same person (tanaka)"},
      {"the maker's key certified again under another name",
       [](Office& o, auto& r) {
         r.approval.approver_certificate = certificate(o.city, "sato", keys::Role::approver, o.maker.public_key());
         approver_signs(r, o.maker);
       },
       "the maker (tanaka) and the approver (sato) sign with the same key"},
      {"one key signs twice: the maker signs as the approver",
       [](Office& o, auto& r) { approver_signs(r, o.maker); }, "the approver's signature (suzuki) does not verify"},
      {"both certificates from another city key",
       [](Office& o, auto& r) {
         r.request.maker_certificate = certificate(o.other_city, "tanaka", keys::Role::staff, o.maker.public_key());
         maker_signs(r, o.maker);
         r.approval.approver_certificate = certificate(o.other_city, "suzuki", keys::Role::approver, o.approver.public_key());
         approver_signs(r, o.approver);
       },
       "the maker's certificate is not signed by the pinned city key (city key sha256 "},
      {"the approver's certificate from another city key",
       [](Office& o, auto& r) {
         r.approval.approver_certificate = certificate(o.other_city, "suzuki", keys::Role::approver, o.approver.public_key());
         approver_signs(r, o.approver);
       },
       "the approver's certificate is not signed by the pinned city key (city key sha256 "},
      {"a certificate edited to another role",
       [](Office&, auto& r) {
         auto j = nlohmann::json::parse(r.approval.approver_certificate);
         j["role"] = "supervisor";
         r.approval.approver_certificate = j.dump();
       },
       "the approver's certificate is not signed by the pinned city key"},
      {"staff as approver",
       [](Office& o, auto& r) {
         r.approval.approver_certificate = certificate(o.city, "suzuki", keys::Role::staff, o.approver.public_key());
         approver_signs(r, o.approver);
       },
       "the approver suzuki holds the staff role"},
      {"supervisor as approver",
       [](Office& o, auto& r) {
         r.approval.approver_certificate = certificate(o.city, "suzuki", keys::Role::supervisor, o.approver.public_key());
         approver_signs(r, o.approver);
       },
       "the approver suzuki holds the supervisor role"},
      {"approver as maker",
       [](Office& o, auto& r) {
         r.request.maker_certificate = certificate(o.city, "tanaka", keys::Role::approver, o.maker.public_key());
         maker_signs(r, o.maker);
         approver_signs(r, o.approver);
       },
       "the maker tanaka holds the approver role"},
      {"batch digest changed after signing",
       [](Office&, auto& r) { r.request.batches[1].manifest_sha256 = std::string(64, 'd'); },
       "the maker's signature (tanaka) does not verify"},
      {"batch digest changed and countersigned by the approver alone",
       [](Office& o, auto& r) {
         r.request.batches[1].manifest_sha256 = std::string(64, 'd');
         approver_signs(r, o.approver);
       },
       "the maker's signature (tanaka) does not verify"},
      {"a batch added after signing",
       [](Office&, auto& r) { r.request.batches.push_back({"R20250901-B003", std::string(64, 'e')}); },
       "the maker's signature (tanaka) does not verify"},
      {"run id changed after signing", [](Office&, auto& r) { r.request.run_id = "R20250902"; },
       "the maker's signature (tanaka) does not verify"},
      {"sequence raised after signing", [](Office&, auto& r) { r.approval.sequence = 99; },
       "the approver's signature (suzuki) does not verify"},
      {"audit head changed after signing", [](Office&, auto& r) { r.approval.audit_head = "6:" + std::string(64, 'd'); },
       "the approver's signature (suzuki) does not verify"},
      {"the maker's signature swapped for one over another request",
       [](Office& o, auto& r) {
         auto other = r.request;
         other.run_id = "R20250801";
         r.maker_signature = release::sign_request(o.maker, other);
         approver_signs(r, o.approver);
       },
       "the maker's signature (tanaka) does not verify"},
      {"another staff member's certificate put in the maker's place",
       [](Office& o, auto& r) {
         auto other = keys::SecretKey::generate(keys::Kind::user);
         r.request.maker_certificate = certificate(o.city, "yamada", keys::Role::staff, other.public_key());
       },
       "the maker's signature (yamada) does not verify"},
  };
  for (const auto& row : rows) {
    const std::string attack = row.attack;
    CAPTURE(attack);
    Office o;
    auto r = o.release();
    row.change(o, r);
    auto v = release::verify(r, o.city.public_key(), "release.json");
    CHECK_FALSE(v.ok());
    CHECK_MESSAGE(messages(v.problems).find(std::string("release.json: error: ") + row.expect) != std::string::npos,
                  messages(v.problems));
    // What survives a round trip through the file is refused the same way.
    if (auto back = release::parse(release::to_json(r), "release.json"); back.ok())
      CHECK_FALSE(release::verify(back.value, o.city.public_key(), "release.json").ok());
  }
}

TEST_CASE("release.json that is not a release: parse names the field") {
  Office o;
  const auto good = nlohmann::json::parse(release::to_json(o.release()));
  struct Row {
    const char* what;
    std::function<void(nlohmann::json&)> change;
    const char* expect;
  };
  const Row rows[] = {
      {"another format", [](auto& j) { j["format"] = "tsuchi-batch-manifest"; }, "field \"format\" must be"},
      {"no request", [](auto& j) { j.erase("request"); }, "field \"request\" is missing"},
      {"no approval", [](auto& j) { j.erase("approval"); }, "field \"approval\" is missing: the run is not approved"},
      {"no approver signature", [](auto& j) { j.erase("approver_signature"); },
       "field \"approver_signature\" is missing: no approver signed this release"},
      {"no maker signature", [](auto& j) { j.erase("maker_signature"); }, "field \"maker_signature\" is missing"},
      {"short signature", [](auto& j) { j["maker_signature"] = "abcd"; }, "field \"maker_signature\" must be 128"},
      {"no batches", [](auto& j) { j["request"]["batches"] = nlohmann::json::array(); },
       "field \"request.batches\" must be a list"},
      {"digest not hex", [](auto& j) { j["request"]["batches"][1]["manifest_sha256"] = "Z"; },
       "field \"request.batches[1].manifest_sha256\" must be 64"},
      {"batch id with a slash", [](auto& j) { j["request"]["batches"][0]["batch_id"] = "../B1"; },
       "field \"request.batches[0].batch_id\" must be"},
      {"a batch listed twice", [](auto& j) { j["request"]["batches"][1] = j["request"]["batches"][0]; },
       "field \"request.batches[1].batch_id\" lists a batch twice"},
      {"sequence as text", [](auto& j) { j["approval"]["sequence"] = "7"; }, "field \"approval.sequence\" must be a whole number"},
      {"sequence zero", [](auto& j) { j["approval"]["sequence"] = 0; }, "field \"approval.sequence\" must be a whole number >= 1"},
      {"head without a hash", [](auto& j) { j["approval"]["audit_head"] = "6"; }, "field \"approval.audit_head\" must be SEQ:HASH"},
      {"local time", [](auto& j) { j["approval"]["approved_at"] = "2025-09-02T12:00:00+09:00"; },
       "field \"approval.approved_at\" must be UTC"},
      {"certificate a number", [](auto& j) { j["request"]["maker_certificate"] = 3; },
       "field \"request.maker_certificate\" must be a certificate"},
  };
  for (const auto& row : rows) {
    const std::string what = row.what;
    CAPTURE(what);
    auto j = good;
    row.change(j);
    auto r = release::parse(j.dump(2), "RUN/release.json");
    CHECK_FALSE(r.ok());
    CHECK(messages(r.problems).rfind("RUN/release.json: error: ", 0) == 0);
    CHECK_MESSAGE(messages(r.problems).find(row.expect) != std::string::npos, messages(r.problems));
  }
  for (const char* text : {"", "[]", "{\"format\":", "null", "\"release\""}) {
    CAPTURE(text);
    CHECK(messages(release::parse(text, "release.json").problems).find("not a release") != std::string::npos);
  }
}
