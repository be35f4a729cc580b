// Opening a batch (contractor side): verify everything in memory, only then extract.
#include <fcntl.h>
#include <sys/stat.h>
#include <zip.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "core/keys.hpp"
#include "core/release.hpp"
#include "seal/internal.hpp"

namespace tsuchi::seal {

using detail::error;
namespace fs = std::filesystem;

namespace {


// Wipes a secret string when leaving scope, whatever the path out.
struct Wipe {
  std::string& s;
  ~Wipe() { sodium_memzero(s.data(), s.size()); }
};

Checked<Manifest> parse_manifest(const std::string& text, const std::string& path) {
  Checked<Manifest> r;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    r.problems.push_back(error(path, "not a JSON object"));
    return r;
  }
  auto bad = [&](const char* key, const char* what) {
    r.problems.push_back(error(path, std::string("field \"") + key + "\" must be " + what));
  };
  auto str = [&](const char* key, std::string& out, bool required = true) {
    auto it = j.find(key);
    if (it != j.end() && it->is_string()) out = it->get<std::string>();
    else if (required || it != j.end()) bad(key, "a string");
  };
  auto num = [&](const char* key, auto& out) {
    auto it = j.find(key);
    if (it != j.end() && it->is_number_unsigned()) out = it->get<std::remove_reference_t<decltype(out)>>();
    else bad(key, "a whole number >= 0");
  };
  Manifest& m = r.value;
  std::string format;
  str("format", format);
  num("format_version", m.format_version);
  if (format != "tsuchi-batch-manifest" || m.format_version != 1) {
    r.problems.push_back(error(path, "not a tsuchi batch manifest of format version 1", format));
    return r;
  }
  str("batch_id", m.batch_id);
  str("run_id", m.run_id);
  str("created_at", m.created_at);
  str("bag_count", m.bag_count);
  num("envelopes", m.counts.envelopes);
  num("notices", m.counts.notices);
  num("slips", m.counts.slips);
  num("pages", m.counts.pages);
  num("sheets", m.counts.sheets);
  if (auto it = j.find("postal_areas"); it != j.end() && it->is_object()) {
    for (auto& [area, n] : it->items())
      if (n.is_number_unsigned()) m.counts.postal_areas[area] = n.get<int>();
      else bad("postal_areas", "an object of whole numbers");
  } else {
    bad("postal_areas", "an object");
  }
  num("payload_files", m.payload_files);
  num("payload_bytes", m.payload_bytes);
  str("archive", m.archive);
  num("archive_bytes", m.archive_bytes);
  str("archive_sha256", m.archive_sha256);
  str("tagmanifest_sha256", m.tagmanifest_sha256);
  if (auto it = j.find("key_sealed"); it != j.end() && it->is_boolean()) m.key_sealed = it->get<bool>();
  else bad("key_sealed", "true or false");
  str("signing_key_sha256", m.signing_key_sha256);
  str("contractor_key_sha256", m.contractor_key_sha256, false);
  str("tool", m.tool);
  str("tool_version", m.tool_version);
  return r;
}

// Entry names come from the archive: only the characters tsuchi itself writes, under one top
// folder, no "." / ".." / empty parts, so nothing can land outside the output folder.
bool safe_entry_name(const std::string& n, const std::string& top) {
  if (n.rfind(top + "/", 0) != 0 || n.size() > 300) return false;
  std::size_t start = 0;
  while (start < n.size()) {
    auto slash = n.find('/', start);
    auto part = n.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (part.empty() || part == "." || part == "..") return false;
    for (char c : part)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') return false;
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return true;
}

Checked<std::string> read_passphrase(const OpenRequest& req, const std::string& sealed_path, const Manifest& m) {
  Checked<std::string> r;
  if (req.key.empty() == req.secret_key.empty()) {
    r.problems.push_back(error(req.archive, "give exactly one of the passphrase file (B.key) or the contractor secret key"));
    return r;
  }
  if (!req.key.empty()) {
    auto f = detail::read_file(req.key, 4096);
    if (!f.ok()) return f;
    std::string& s = f.value;
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    bool printable = !s.empty();
    for (char c : s) printable = printable && c > ' ' && c < 0x7f;
    if (!printable) {
      sodium_memzero(s.data(), s.size());
      r.problems.push_back(error(req.key, "not a passphrase file: one line of printable ASCII expected"));
      return r;
    }
    return f;
  }
  auto sk = keys::read_secret(req.secret_key, keys::Kind::contractor);
  if (!sk.ok()) return {{}, sk.problems};
  const std::string& pk = sk.value.public_key().bytes;
  if (!m.key_sealed) {
    r.problems.push_back(error(req.archive, "this batch was sealed without a contractor key: use its B.key file"));
    return r;
  }
  if (!m.contractor_key_sha256.empty() && m.contractor_key_sha256 != digest::sha256_hex(pk)) {
    r.problems.push_back(error(req.secret_key, "this batch was sealed to a different contractor key"));
    return r;
  }
  auto c = detail::read_file(sealed_path, 4096);
  if (!c.ok()) return c;
  if (c.value.size() <= crypto_box_SEALBYTES) {
    r.problems.push_back(error(sealed_path, "too short to be a sealed passphrase"));
    return r;
  }
  r.value.resize(c.value.size() - crypto_box_SEALBYTES);
  if (crypto_box_seal_open(reinterpret_cast<unsigned char*>(r.value.data()),
                           reinterpret_cast<const unsigned char*>(c.value.data()), c.value.size(),
                           reinterpret_cast<const unsigned char*>(pk.data()),
                           reinterpret_cast<const unsigned char*>(sk.value.seed().data())) != 0) {
    r.value.clear();
    r.problems.push_back(error(sealed_path, "cannot be opened with this secret key (damaged, or sealed to another key)"));
  }
  return r;
}

// Every entry of the archive, read into memory under the limits, names relative to the bag root.
Checked<std::vector<PayloadFile>> read_entries(const std::string& archive_path, const std::string& bytes,
                                               const std::string& top, const std::string& pass,
                                               const OpenLimits& limits, const std::string& size_limit) {
  Checked<std::vector<PayloadFile>> r;
  auto fail = [&](std::string why, std::string value = {}) {
    r.problems.push_back(error(archive_path, std::move(why), std::move(value)));
    return r;
  };
  zip_error_t err;
  zip_error_init(&err);
  detail::ZipSource src(zip_source_buffer_create(bytes.data(), bytes.size(), 0, &err));
  detail::ZipArchive za;
  if (src) {
    za.reset(zip_open_from_source(src.get(), ZIP_RDONLY | ZIP_CHECKCONS, &err));
    if (za) zip_source_keep(src.get());  // both the archive and `src` now hold a reference
  }
  if (!za) {
    std::string why = zip_error_strerror(&err);
    zip_error_fini(&err);
    return fail("not a readable ZIP archive: " + why);
  }
  zip_error_fini(&err);
  zip_int64_t n = zip_get_num_entries(za.get(), 0);
  if (n < 0 || n > limits.max_entries) return fail("more entries than the limit of " + std::to_string(limits.max_entries));
  std::set<std::string> names;
  std::uint64_t total = 0;
  for (zip_int64_t i = 0; i < n; ++i) {
    auto idx = static_cast<zip_uint64_t>(i);
    const char* raw = zip_get_name(za.get(), idx, ZIP_FL_ENC_RAW);
    std::string name = raw ? raw : "";
    zip_stat_t st;
    if (zip_stat_index(za.get(), idx, 0, &st) != 0) return fail("cannot read the entry's header", name);
    bool dir = !name.empty() && name.back() == '/';
    if (dir) name.pop_back();
    if (name == top && dir) continue;
    if (!safe_entry_name(name, top)) return fail("unsafe or unexpected entry name (outside \"" + top + "/\")", name);
    if (!names.insert(name).second) return fail("entry appears twice", name);
    if (dir) {
      if (st.size != 0) return fail("directory entry with data", name);
      continue;
    }
    if (!(st.valid & ZIP_STAT_ENCRYPTION_METHOD) || st.encryption_method != ZIP_EM_AES_256)
      return fail("entry is not AES-256 encrypted", name);
    if (st.size > limits.max_unpacked_bytes - total)
      return fail("entries unpack to more than " + size_limit);
    detail::ZipFile f(zip_fopen_index_encrypted(za.get(), idx, 0, pass.c_str()));
    if (!f) {
      int code = zip_error_code_zip(zip_get_error(za.get()));
      if (code == ZIP_ER_WRONGPASSWD) return fail("wrong passphrase");
      return fail(std::string("cannot open the entry: ") + zip_strerror(za.get()), name);
    }
    // Read at most one byte past the declared size, so a lying header cannot make us read more.
    std::string data(st.size + 1, '\0');
    std::uint64_t got = 0;
    while (got < data.size()) {
      zip_int64_t k = zip_fread(f.get(), data.data() + got, data.size() - got);
      if (k < 0) return fail(std::string("entry fails its integrity check: ") + zip_file_strerror(f.get()), name);
      if (k == 0) break;
      got += static_cast<std::uint64_t>(k);
    }
    if (got != st.size) return fail("entry size differs from its header", name);
    data.resize(got);
    total += got;
    r.value.push_back({name.substr(top.size() + 1), std::move(data)});
  }
  return r;
}

std::map<std::string, std::string> bag_info(const std::vector<PayloadFile>& files) {
  std::map<std::string, std::string> out;
  for (const auto& f : files) {
    if (f.name != "bag-info.txt") continue;
    std::size_t pos = 0;
    while (pos < f.bytes.size()) {
      auto nl = f.bytes.find('\n', pos);
      std::string line = f.bytes.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
      pos = nl == std::string::npos ? f.bytes.size() : nl + 1;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      auto colon = line.find(": ");
      if (colon != std::string::npos) out.emplace(line.substr(0, colon), line.substr(colon + 2));
    }
  }
  return out;
}

}  // namespace

namespace {

// The manifest's signature by `maker` over exactly `text`, then its fields. `who` names the key in messages.
Checked<Manifest> check_manifest(const std::string& text, const std::string& sig, const keys::PublicKey& maker,
                                 const std::string& path, const std::string& who) {
  Checked<Manifest> r;
  if (sig.size() != crypto_sign_BYTES) {
    r.problems.push_back(error(path + ".sig", "not an Ed25519 signature (64 bytes expected)"));
    return r;
  }
  if (!keys::verify(maker, text, sig)) {
    std::string why = "signature does not verify with " + who;
    // A hint only: the claimed key id is read from the unverified manifest.
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_object() && j.contains("signing_key_sha256") && j["signing_key_sha256"].is_string() &&
        j["signing_key_sha256"].get<std::string>() != maker.fingerprint())
      why += " (the manifest names another signing key)";
    else
      why += ": the manifest or its signature was changed";
    r.problems.push_back(error(path, why));
    return r;
  }
  r = parse_manifest(text, path);
  if (r.ok() && r.value.signing_key_sha256 != maker.fingerprint())
    r.problems.push_back(error(path, "signing_key_sha256 does not name the key that signed it"));
  return r;
}

}  // namespace

Checked<Manifest> read_manifest(const std::string& manifest_path, const keys::PublicKey& maker) {
  Checked<Manifest> r;
  auto text = detail::read_file(manifest_path, 1 << 20);
  auto sig = detail::read_file(manifest_path + ".sig", 4096);
  for (auto* p : {&text.problems, &sig.problems}) r.problems.insert(r.problems.end(), p->begin(), p->end());
  if (!r.ok()) return r;
  return check_manifest(text.value, sig.value, maker, manifest_path, "the maker's key (sha256 " + maker.fingerprint() + ")");
}

Checked<VerifiedBatch> verify_batch(const OpenRequest& req) {
  Checked<VerifiedBatch> r;
  auto fail = [&](std::string file, std::string why, std::string value = {}) {
    r.problems.push_back(error(std::move(file), std::move(why), std::move(value)));
    return r;
  };
  if (sodium_init() < 0) return fail("libsodium", "cannot initialise");
  const std::string& archive = req.archive;
  if (archive.size() <= 4 || archive.substr(archive.size() - 4) != ".zip")
    return fail(archive, "the archive's name must end in .zip (B.zip beside B.manifest.json)");
  const std::string stem = archive.substr(0, archive.size() - 4);
  const std::string base = fs::path(stem).filename().string();

  // The root: a key the contractor received from the city; nothing that travels with the batch.
  if (req.city_key.empty())
    return fail(archive, "no pinned city key: give the city.pub received from the city (never one that came with the batch)");
  auto city = keys::read_public(req.city_key, keys::Kind::city);
  if (!city.ok()) return {{}, city.problems};
  if (req.release.empty())
    return fail(archive, "no release: a batch opens only with the release.json its maker and an approver signed "
                         "(RUN_DIR/release.json, written by `tsuchi approve`)");
  auto release_text = detail::read_file(req.release, 1 << 20);
  if (!release_text.ok()) return {{}, release_text.problems};
  auto parsed = release::parse(release_text.value, req.release);
  if (!parsed.ok()) return {{}, parsed.problems};
  auto held = release::verify(parsed.value, city.value, req.release);
  if (!held.ok()) return {{}, held.problems};
  const release::Release& rel = held.value.release;
  const release::BatchDigest* listed = release::find(rel, base);
  if (!listed) {
    std::string ids;
    for (const auto& b : rel.request.batches) ids += (ids.empty() ? "" : ", ") + b.batch_id;
    return fail(req.release, "does not list batch " + base + ": it releases " + ids + " of run " + rel.request.run_id);
  }

  // The manifest is read once: the bytes whose digest the release lists are the bytes whose
  // signature is checked and whose fields are trusted.
  const std::string manifest_path = stem + ".manifest.json";
  auto manifest_text = detail::read_file(manifest_path, 1 << 20);
  auto signature = detail::read_file(manifest_path + ".sig", 4096);
  for (auto* p : {&manifest_text.problems, &signature.problems}) r.problems.insert(r.problems.end(), p->begin(), p->end());
  if (!r.ok()) return r;
  if (const auto actual = digest::sha256_hex(manifest_text.value); actual != listed->manifest_sha256)
    return fail(manifest_path,
                "its SHA-256 differs from the one " + req.release + " lists for " + base + " (" + listed->manifest_sha256 +
                    "): the manifest was changed, or the batch was sealed again after the approval",
                actual);
  const auto& maker = held.value.maker;
  const auto maker_key = keys::public_key_from_hex(keys::Kind::user, maker.user_public_key);
  auto m = check_manifest(manifest_text.value, signature.value, *maker_key, manifest_path,
                          "the key of the release's maker " + maker.name + " (sha256 " + maker_key->fingerprint() + ")");
  if (!m.ok()) return {{}, m.problems};
  Manifest& man = m.value;
  r.value.manifest = man;
  if (man.batch_id != base || man.archive != base + ".zip")
    return fail(archive, "the signed manifest is for batch " + man.batch_id + ", not for this archive", base);
  if (man.run_id != rel.request.run_id)
    return fail(manifest_path, "is of run " + man.run_id + ", the release of run " + rel.request.run_id, man.run_id);
  const auto& approver = held.value.approver;
  r.value.release = {rel.request.run_id,
                     rel.approval.sequence,
                     rel.approval.approved_at,
                     rel.approval.audit_head,
                     maker.name,
                     maker_key->fingerprint(),
                     approver.name,
                     keys::public_key_from_hex(keys::Kind::user, approver.user_public_key)->fingerprint(),
                     city.value.fingerprint(),
                     digest::sha256_hex(release::signed_bytes(rel))};

  const std::string changed = "archive SHA-256 does not match the signed manifest: the archive was changed or damaged";
  // A file of another size than the signed one is refused before it is read into memory.
  if (std::error_code size_ec; fs::file_size(archive, size_ec) != man.archive_bytes && !size_ec) return fail(archive, changed);
  auto zip = detail::read_file(archive, req.limits.max_archive_bytes);
  if (!zip.ok()) return {{}, zip.problems};
  if (zip.value.size() != man.archive_bytes || digest::sha256_hex(zip.value) != man.archive_sha256)
    return fail(archive, changed);

  auto pass = read_passphrase(req, stem + ".key.sealed", man);
  Wipe wipe_pass{pass.value};
  if (!pass.ok()) return {{}, pass.problems};
  // The signed manifest says how much the bag holds (payload plus small tag files): entries that
  // unpack to more are a zip bomb or a forgery, refused before that much memory is taken.
  OpenLimits limits = req.limits;
  std::string size_limit = "the limit of " + std::to_string(limits.max_unpacked_bytes) + " bytes";
  const std::uint64_t tag_allowance = (64u << 10) + static_cast<std::uint64_t>(man.payload_files) * 1024;
  if (man.payload_bytes < limits.max_unpacked_bytes - std::min(limits.max_unpacked_bytes, tag_allowance)) {
    limits.max_unpacked_bytes = man.payload_bytes + tag_allowance;
    size_limit = "the signed manifest allows (" + std::to_string(man.payload_bytes) +
                 " payload bytes and 64 KiB + 1 KiB a file for tag files): a zip bomb, or a forged archive";
  }
  auto entries = read_entries(archive, zip.value, man.batch_id, pass.value, limits, size_limit);
  if (!entries.ok()) return {{}, entries.problems};

  auto problems = check_bag(entries.value, man.batch_id);
  r.problems.insert(r.problems.end(), problems.begin(), problems.end());
  for (const auto& f : entries.value)
    if (f.name == "tagmanifest-sha256.txt" && digest::sha256_hex(f.bytes) != man.tagmanifest_sha256)
      fail(archive, "tagmanifest-sha256.txt does not match the signed manifest's tagmanifest_sha256");
  // bag-info.txt must tell the same story as the signed manifest.
  auto info = bag_info(entries.value);
  const auto& c = man.counts;
  const std::pair<const char*, std::string> expect[] = {
      {"External-Identifier", man.batch_id},
      {"Bag-Count", man.bag_count},
      {"Payload-Oxum", std::to_string(man.payload_bytes) + "." + std::to_string(man.payload_files)},
      {"Run-Id", man.run_id},
      {"Envelopes", std::to_string(c.envelopes)},
      {"Notices", std::to_string(c.notices)},
      {"Slips", std::to_string(c.slips)},
      {"Pages", std::to_string(c.pages)},
      {"Sheets", std::to_string(c.sheets)},
  };
  for (const auto& [label, value] : expect)
    if (info[label] != value)
      fail(man.batch_id + "/bag-info.txt", std::string(label) + " differs from the signed manifest (" + value + ")",
           info[label]);
  if (!r.ok()) return r;
  r.value.files = std::move(entries.value);
  return r;
}

namespace {

// DIR/.tsuchi-releases.json (output_spec/release.md): per batch id, the newest release opened here.
struct Remembered {
  std::int64_t sequence = 0;
  std::string release_sha256, run_id;
};
struct ReleaseMemory {
  std::string path;
  nlohmann::json batches = nlohmann::json::object();  // kept whole: other batches' entries are rewritten as read
};
constexpr auto kMemoryFormat = "tsuchi-opened-releases";

// A missing file is an empty memory; an unreadable or foreign one refuses the open, since
// dropping it would let an old release through.
Checked<ReleaseMemory> read_memory(const std::string& out_dir) {
  Checked<ReleaseMemory> r;
  r.value.path = (fs::path(out_dir) / kReleaseMemory).string();
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(r.value.path, ec))) return r;
  auto text = detail::read_file(r.value.path, 16 << 20);
  if (!text.ok()) return {{}, text.problems};
  auto j = nlohmann::json::parse(text.value, nullptr, false);
  bool ours = j.is_object() && j.value("format", "") == kMemoryFormat && j.value("format_version", 0) == 1 &&
              j.contains("batches") && j["batches"].is_object();
  if (ours)
    for (const auto& [id, e] : j["batches"].items())
      ours = ours && e.is_object() && e.contains("sequence") && e["sequence"].is_number_integer() &&
             e.contains("release_sha256") && e["release_sha256"].is_string();
  if (!ours) {
    r.problems.push_back(error(r.value.path, "is not tsuchi's record of the releases opened in this folder: restore it "
                                             "(it is what refuses a superseded release here)"));
    return r;
  }
  r.value.batches = j["batches"];
  return r;
}

std::optional<Remembered> remembered(const ReleaseMemory& m, const std::string& batch_id) {
  auto it = m.batches.find(batch_id);
  if (it == m.batches.end()) return std::nullopt;
  return Remembered{(*it)["sequence"].get<std::int64_t>(), (*it)["release_sha256"].get<std::string>(),
                    it->value("run_id", "")};
}

// Why `release` may not open `batch_id` here, or empty.
std::string superseded(const ReleaseMemory& m, const std::string& batch_id, const ReleaseFacts& release) {
  auto seen = remembered(m, batch_id);
  if (!seen) return {};
  if (seen->sequence > release.sequence)
    return "superseded: batch " + batch_id + " was opened here under release sequence " + std::to_string(seen->sequence) +
           ", newer than this release's " + std::to_string(release.sequence) + ": use the newest release.json";
  if (seen->sequence == release.sequence && seen->release_sha256 != release.release_sha256)
    return "another release with the same sequence " + std::to_string(release.sequence) + " was opened here for batch " +
           batch_id + ": two different releases cannot both be the newest";
  return {};
}

std::string memory_json(ReleaseMemory m, const std::string& batch_id, const ReleaseFacts& release) {
  m.batches[batch_id] = {{"sequence", release.sequence},
                         {"release_sha256", release.release_sha256},
                         {"run_id", release.run_id},
                         {"approved_at", release.approved_at}};
  nlohmann::ordered_json j;
  j["format"] = kMemoryFormat;
  j["format_version"] = 1;
  j["batches"] = m.batches;
  return j.dump(2) + "\n";
}

}  // namespace

Checked<OpenedBatch> open_batch(const OpenRequest& req, const std::string& out_dir) {
  Checked<OpenedBatch> r;
  auto v = verify_batch(req);
  if (!v.ok()) return {{}, v.problems};
  auto& res = r.value;
  res.manifest = v.value.manifest;
  res.release = v.value.release;
  auto memory = read_memory(out_dir);
  if (!memory.ok()) return {{}, memory.problems};
  if (auto why = superseded(memory.value, res.manifest.batch_id, res.release); !why.empty()) {
    r.problems.push_back(error(req.release, why, std::to_string(res.release.sequence)));
    return r;
  }
  res.bag_dir = (fs::path(out_dir) / res.manifest.batch_id).string();
  std::error_code ec;
  if (fs::exists(fs::symlink_status(res.bag_dir, ec))) {
    r.problems.push_back(error(res.bag_dir, "already exists: remove it or open into another folder"));
    return r;
  }
  // The bag is personal data: a folder only this user enters, never another user's.
  if (auto why = file::private_folder(out_dir); !why.empty()) {
    r.problems.push_back(error(out_dir, why));
    return r;
  }
  // Written to a hidden temp folder and renamed, so the bag appears whole or not at all.
  std::string tmp = (fs::path(out_dir) / ("." + res.manifest.batch_id + ".open-" + digest::random_hex(8))).string();
  if (::mkdir(tmp.c_str(), 0700) != 0) {
    r.problems.push_back(error(tmp, "cannot create: " + detail::strerror_now()));
    return r;
  }
  bool ok = true;
  for (const auto& f : v.value.files) {
    fs::path p = fs::path(tmp) / f.name;
    ec = file::private_folder(p.parent_path().string()).empty() ? std::error_code{}
                                                                 : std::make_error_code(std::errc::io_error);
    // 0600: the payload is personal data; only the operator's account needs to read it.
    detail::Fd fd(ec ? -1 : ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (fd.get() < 0 || !detail::write_all(fd.get(), f.bytes)) {
      r.problems.push_back(error(res.bag_dir + "/" + f.name, "cannot write: " + detail::strerror_now()));
      ok = false;
      break;
    }
    res.files.push_back(f.name);
  }
  if (ok && !detail::fsync_dir(tmp)) {
    r.problems.push_back(error(res.bag_dir, "cannot sync the bag: " + detail::strerror_now()));
    ok = false;
  }
  // Remembered before the bag appears: a bag in DIR always has its release recorded beside it.
  if (ok && !file::write_atomically(memory.value.path, memory_json(memory.value, res.manifest.batch_id, res.release))) {
    r.problems.push_back(error(memory.value.path, "cannot record the release: " + detail::strerror_now()));
    ok = false;
  }
  if (ok && ::rename(tmp.c_str(), res.bag_dir.c_str()) != 0) {
    r.problems.push_back(error(res.bag_dir, "cannot move the bag into place: " + detail::strerror_now()));
    ok = false;
  }
  if (!ok) {
    fs::remove_all(tmp, ec);
    res.files.clear();
    return r;
  }
  detail::fsync_dir(out_dir);
  for (auto& f : v.value.files) sodium_memzero(f.bytes.data(), f.bytes.size());
  return r;
}

}  // namespace tsuchi::seal
