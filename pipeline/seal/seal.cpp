// Sealing a batch: bag -> AES-256 ZIP in memory -> manifest signed by the maker, keys -> atomic files.
#include "seal/seal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <zip.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <set>
#include <nlohmann/json.hpp>

#include "core/keys.hpp"
#include "seal/internal.hpp"

namespace tsuchi::seal {

using detail::error;
namespace fs = std::filesystem;

BatchPaths batch_paths(const std::string& dir, const std::string& batch_id) {
  std::string base = (fs::path(dir) / batch_id).string();
  return {base + ".zip", base + ".key", base + ".key.sealed", base + ".manifest.json", base + ".manifest.json.sig"};
}

Checked<SealingKeys> load_keys(keys::SecretKey&& maker, const std::string& contractor_public_path) {
  Checked<SealingKeys> r;
  if (maker.empty() || maker.kind() != keys::Kind::user)
    r.problems.push_back(error("maker key", "the manifests are signed with the maker's own user key (tsuchi keygen --kind user)"));
  else
    r.value.maker = std::move(maker);
  if (!contractor_public_path.empty()) {
    auto pk = keys::read_public(contractor_public_path, keys::Kind::contractor);
    r.value.contractor_public = pk.value.bytes;
    r.problems.insert(r.problems.end(), pk.problems.begin(), pk.problems.end());
  }
  return r;
}

namespace {


bool valid_id(const std::string& s, const char* extra) {
  if (s.empty() || s.size() > 100) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && !std::strchr(extra, c)) return false;
  return true;
}

// Names of data/ files: plain relative paths, no "." / ".." / empty parts, nothing to escape.
bool valid_payload_name(const std::string& n) {
  if (n.empty() || n.size() > 200 || n.front() == '/' || n.back() == '/') return false;
  std::size_t start = 0;
  while (start <= n.size()) {
    auto slash = n.find('/', start);
    auto part = n.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (part.empty() || part == "." || part == ".." || !valid_id(part, "._-")) return false;
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return true;
}

Diagnostics check_spec(const BatchSpec& s) {
  Diagnostics out;
  // Checked first, and never echoed: these ids go into file names and the manifest. The manifest's
  // other fields are digests and counts made here (hex digests may hold digit runs by chance).
  for (const auto* id : {&s.batch_id, &s.run_id, &s.tool_version})
    if (s.my_numbers && s.my_numbers->contains(*id))
      out.push_back(error("batch", "batch id, run id or tool version holds a My Number of the input"));
  if (!out.empty()) return out;
  const std::string where = "batch " + s.batch_id;
  if (!valid_id(s.batch_id, "_-"))
    out.push_back(error("batch", "batch id must be 1-100 of A-Z a-z 0-9 _ -", s.batch_id));
  if (!valid_id(s.run_id, "_-.:")) out.push_back(error(where, "run id must be 1-100 of A-Z a-z 0-9 _ - . :", s.run_id));
  if (!detail::parse_utc(s.created_at))
    out.push_back(error(where, "created_at must be UTC \"YYYY-MM-DDTHH:MM:SSZ\"", s.created_at));
  if (s.total < 1 || s.index < 1 || s.index > s.total)
    out.push_back(error(where, "Bag-Count must be i of n with 1 <= i <= n",
                        std::to_string(s.index) + " of " + std::to_string(s.total)));
  if (s.tool_version.empty() || s.tool_version.find_first_of("\r\n") != std::string::npos)
    out.push_back(error(where, "tool version must be one non-empty line"));
  const auto& c = s.counts;
  for (auto [name, n] : {std::pair{"envelopes", c.envelopes}, {"notices", c.notices}, {"slips", c.slips},
                         {"pages", c.pages}, {"sheets", c.sheets}})
    if (n < 0) out.push_back(error(where, std::string(name) + " must not be negative", std::to_string(n)));
  for (const auto& [area, n] : c.postal_areas)
    if (area.size() != 3 || area.find_first_not_of("0123456789") != std::string::npos || n < 0)
      out.push_back(error(where, "postal area must be 3 digits with a count >= 0", area));
  if (s.payload.empty()) out.push_back(error(where, "a batch needs at least one payload file"));
  std::set<std::string> seen;
  for (const auto& p : s.payload) {
    if (!valid_payload_name(p.name))
      out.push_back(error(where, "payload name must be a relative path of A-Z a-z 0-9 . _ - parts", p.name));
    else if (!seen.insert(p.name).second)
      out.push_back(error(where, "payload name appears twice", p.name));
  }
  return out;
}

// Measured (AES included): the demo's 40-page print PDF, 379 KB: STORE 100% in 4.8 ms, DEFLATE
// level 1 87% in 8.1 ms, level 6 86.5% in 17 ms; a 1,000-page synthetic notice PDF: level 1 36.5%
// in 46 ms vs STORE 39 ms. Level 1 keeps most of the gain (it brings the demo under 10 KB/page,
// SPEC §10) for about 0.08 ms per page.
constexpr zip_uint32_t kDeflateLevel = 1;

// Payload that is plain text, scanned for My Numbers before sealing (PDF streams are compressed).
bool is_text(const std::string& name) {
  for (const char* ext : {".csv", ".txt", ".json"}) {
    std::string e(ext);
    if (name.size() >= e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0) return true;
  }
  return false;
}

// The archive, built in memory so that no plaintext ever reaches a file.
Checked<std::string> build_zip(const std::string& top, const std::vector<PayloadFile>& bag, const std::string& pass,
                               time_t mtime) {
  Checked<std::string> r;
  auto fail = [&](std::string why) {
    r.problems.push_back(error(top + ".zip", "cannot build the archive: " + why));
    return r;
  };
  if (!zip_encryption_method_supported(ZIP_EM_AES_256, 1)) return fail("libzip lacks AES-256 encryption support");
  zip_error_t err;
  zip_error_init(&err);
  detail::ZipSource src(zip_source_buffer_create(nullptr, 0, 0, &err));
  if (!src) {
    std::string why = zip_error_strerror(&err);
    zip_error_fini(&err);
    return fail(why);
  }
  detail::ZipArchive za(zip_open_from_source(src.get(), ZIP_TRUNCATE, &err));
  if (!za) {
    std::string why = zip_error_strerror(&err);
    zip_error_fini(&err);
    return fail(why);
  }
  zip_error_fini(&err);
  zip_source_keep(src.get());  // the archive frees its reference on close; we still read the bytes
  for (const auto& f : bag) {
    zip_source_t* s = zip_source_buffer(za.get(), f.bytes.data(), f.bytes.size(), 0);
    zip_int64_t idx = s ? zip_file_add(za.get(), (top + "/" + f.name).c_str(), s, ZIP_FL_ENC_UTF_8) : -1;
    if (idx < 0) {
      if (s) zip_source_free(s);
      return fail(zip_strerror(za.get()));
    }
    auto i = static_cast<zip_uint64_t>(idx);
    // Cairo has already deflated every stream of a PDF: deflating it again would cost time for little.
    const bool pdf = f.name.size() > 4 && f.name.compare(f.name.size() - 4, 4, ".pdf") == 0;
    if (zip_set_file_compression(za.get(), i, pdf ? ZIP_CM_STORE : ZIP_CM_DEFLATE, pdf ? 0 : kDeflateLevel) != 0 ||
        zip_file_set_encryption(za.get(), i, ZIP_EM_AES_256, pass.c_str()) != 0 ||
        zip_file_set_mtime(za.get(), i, mtime, 0) != 0)
      return fail(zip_strerror(za.get()));
  }
  if (zip_close(za.get()) != 0) return fail(zip_strerror(za.get()));
  za.release();  // closed successfully: freed by libzip
  zip_stat_t st;
  if (zip_source_stat(src.get(), &st) != 0 || !(st.valid & ZIP_STAT_SIZE) || zip_source_open(src.get()) != 0)
    return fail("cannot read back the archive");
  r.value.resize(st.size);
  zip_int64_t n = zip_source_read(src.get(), r.value.data(), r.value.size());
  zip_source_close(src.get());
  if (n != static_cast<zip_int64_t>(st.size)) return fail("short read of the archive");
  return r;
}

// Files written under temporary names and renamed into place in order; whatever was not renamed
// when this goes away (an error on the way) is removed.
class Staging {
 public:
  explicit Staging(std::string dir) : dir_(std::move(dir)) {}
  Staging(const Staging&) = delete;
  Staging& operator=(const Staging&) = delete;
  ~Staging() {
    for (auto& f : files_)
      if (!f.renamed) ::unlink(f.tmp.c_str());
  }
  bool add(const std::string& final_path, std::string_view bytes, mode_t mode, Diagnostics& out) {
    std::string tmp = file::write_temporary(final_path, bytes, mode);
    if (tmp.empty()) {
      out.push_back(error(final_path, "cannot write: " + detail::strerror_now()));
      return false;
    }
    files_.push_back({tmp, final_path, false});
    return true;
  }
  // Renames every staged file in the order added; the last one is the commit point.
  bool commit(Diagnostics& out) {
    for (auto& f : files_) {
      if (::rename(f.tmp.c_str(), f.final.c_str()) != 0) {
        out.push_back(error(f.final, "cannot rename into place: " + detail::strerror_now()));
        return false;
      }
      f.renamed = true;
    }
    if (!detail::fsync_dir(dir_)) {
      out.push_back(error(dir_, "cannot sync the folder: " + detail::strerror_now()));
      return false;
    }
    return true;
  }

 private:
  struct File {
    std::string tmp, final;
    bool renamed;
  };
  std::string dir_;
  std::vector<File> files_;
};

}  // namespace

Checked<BatchResult> seal_batch(const BatchSpec& spec, const SealingKeys& keys, const std::string& out_dir) {
  BatchSpec copy = spec;
  return seal_batch(std::move(copy), keys, out_dir);
}

Checked<BatchResult> seal_batch(BatchSpec&& spec, const SealingKeys& keys, const std::string& out_dir) {
  Checked<BatchResult> r;
  if (sodium_init() < 0) {
    r.problems.push_back(error("libsodium", "cannot initialise"));
    return r;
  }
  r.problems = check_spec(spec);
  if (keys.maker.empty() || keys.maker.kind() != tsuchi::keys::Kind::user)
    r.problems.push_back(error("maker key", "not loaded: the maker's user key signs the manifests"));
  if (!keys.contractor_public.empty() && keys.contractor_public.size() != 32)
    r.problems.push_back(error("contractor key", "not a 32-byte X25519 public key"));
  if (!r.ok()) return r;

  // SPEC §6: an input My Number is a hard error in any output (exact match against the run's digests).
  const mynumber::Guard* guard = spec.my_numbers;
  if (guard)
    for (const auto& p : spec.payload)
      if (guard->contains(p.name) || (is_text(p.name) && guard->contains(p.bytes)))
        r.problems.push_back(error("batch " + spec.batch_id + ": data/" + p.name, "holds a My Number of the input"));
  if (!r.ok()) return r;

  std::uint64_t payload_bytes = 0;
  for (const auto& p : spec.payload) payload_bytes += p.bytes.size();
  const std::size_t payload_files = spec.payload.size();
  auto bag = detail::make_bag(std::move(spec));  // takes the payload's bytes
  if (guard)
    for (const auto& f : bag)
      if (f.name.rfind("data/", 0) != 0 && guard->contains(f.bytes))
        r.problems.push_back(error("batch " + spec.batch_id + ": " + f.name, "holds a My Number of the input"));
  if (!r.ok()) return r;

  // 256 random bits as lowercase hex: survives shells, 7-Zip's -p and retyping.
  std::string pass = digest::random_hex(32);
  auto zip = build_zip(spec.batch_id, bag, pass, static_cast<time_t>(*detail::parse_utc(spec.created_at)));
  if (!zip.ok()) {
    sodium_memzero(pass.data(), pass.size());
    r.problems = zip.problems;
    return r;
  }
  std::string sealed;
  if (!keys.contractor_public.empty()) {
    sealed.resize(crypto_box_SEALBYTES + pass.size());
    crypto_box_seal(reinterpret_cast<unsigned char*>(sealed.data()), reinterpret_cast<const unsigned char*>(pass.data()),
                    pass.size(), reinterpret_cast<const unsigned char*>(keys.contractor_public.data()));
  }
  std::string key_text = pass + "\n";
  sodium_memzero(pass.data(), pass.size());

  auto& res = r.value;
  res.batch_id = spec.batch_id;
  res.paths = batch_paths(out_dir, spec.batch_id);
  if (sealed.empty()) res.paths.sealed_key.clear();
  res.archive_sha256 = digest::sha256_hex(zip.value);
  res.archive_bytes = zip.value.size();
  res.payload_bytes = payload_bytes;
  for (const auto& f : bag)
    if (f.name == "tagmanifest-sha256.txt") res.tagmanifest_sha256 = digest::sha256_hex(f.bytes);

  const auto& c = spec.counts;
  nlohmann::ordered_json m;
  m["format"] = "tsuchi-batch-manifest";
  m["format_version"] = 1;
  m["batch_id"] = spec.batch_id;
  m["run_id"] = spec.run_id;
  m["created_at"] = spec.created_at;
  m["bag_count"] = std::to_string(spec.index) + " of " + std::to_string(spec.total);
  m["envelopes"] = c.envelopes;
  m["notices"] = c.notices;
  m["slips"] = c.slips;
  m["pages"] = c.pages;
  m["sheets"] = c.sheets;
  m["postal_areas"] = nlohmann::ordered_json::object();
  for (const auto& [area, n] : c.postal_areas) m["postal_areas"][area] = n;
  if (const auto& ml = spec.mailing; ml.max_sheets > 0) {
    // What the contractor's inserter and the post office will see; counts only, no envelope ids.
    nlohmann::ordered_json by_sheets = nlohmann::ordered_json::object();
    for (const auto& [sheets, n] : ml.by_sheets) by_sheets[std::to_string(sheets)] = n;
    m["mailing"] = {{"max_sheets", ml.max_sheets},
                    {"max_grams", ml.max_g},
                    {"paper_grams", ml.paper_g},
                    {"envelope_grams", ml.envelope_g},
                    {"heaviest_sheets", ml.heaviest_sheets},
                    {"heaviest_grams", ml.heaviest_g},
                    {"split_mailings", ml.split_mailings},
                    {"split_envelopes", ml.parts},
                    {"cover_sheets", ml.covers},
                    {"envelopes_by_sheets", by_sheets}};
  }
  m["payload_files"] = payload_files;
  m["payload_bytes"] = payload_bytes;
  m["archive"] = spec.batch_id + ".zip";
  m["archive_bytes"] = res.archive_bytes;
  m["archive_sha256"] = res.archive_sha256;
  m["tagmanifest_sha256"] = res.tagmanifest_sha256;
  m["encryption"] = "zip-winzip-aes256";
  m["key_sealed"] = !sealed.empty();
  m["signing_key_sha256"] = keys.maker.public_key().fingerprint();
  if (!sealed.empty()) m["contractor_key_sha256"] = digest::sha256_hex(keys.contractor_public);
  m["tool"] = "tsuchi";
  m["tool_version"] = spec.tool_version;
  std::string manifest = m.dump(2) + "\n";
  if (guard && guard->contains(manifest)) {
    r.problems.push_back(error("batch " + spec.batch_id + ": manifest", "holds a My Number of the input"));
    return r;
  }
  res.manifest_sha256 = digest::sha256_hex(manifest);
  const std::string sig = keys.maker.sign(manifest);

  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) {
    r.problems.push_back(error(out_dir, "cannot create the output folder: " + ec.message()));
    return r;
  }
  // Un-commit an earlier batch of this id first, so that no mix of old and new files ever looks
  // complete.
  if (::unlink(res.paths.manifest.c_str()) != 0 && errno != ENOENT) {
    r.problems.push_back(error(res.paths.manifest, "cannot replace: " + detail::strerror_now()));
    return r;
  }
  Staging stage(out_dir);
  // B.key is the passphrase in clear: beside a B.key.sealed only when asked for, since "send the
  // folder" would send it too; without a contractor key it is the only way in.
  if (!sealed.empty() && !keys.write_key) res.paths.key.clear();
  bool ok = stage.add(res.paths.archive, zip.value, 0644, r.problems) &&
            (res.paths.key.empty() || stage.add(res.paths.key, key_text, 0600, r.problems)) &&
            (sealed.empty() || stage.add(res.paths.sealed_key, sealed, 0644, r.problems)) &&
            stage.add(res.paths.signature, sig, 0644, r.problems);
  sodium_memzero(key_text.data(), key_text.size());
  // A B.key.sealed or B.key left from an earlier seal of this id would not open this archive.
  const auto all = batch_paths(out_dir, spec.batch_id);
  for (const auto& [stale, written] : {std::pair{all.sealed_key, !sealed.empty()}, {all.key, !res.paths.key.empty()}})
    if (ok && !written && ::unlink(stale.c_str()) != 0 && errno != ENOENT) {
      r.problems.push_back(error(stale, "cannot remove: " + detail::strerror_now()));
      ok = false;
    }
  if (ok && stage.add(res.paths.manifest, manifest, 0644, r.problems)) stage.commit(r.problems);
  return r;
}

}  // namespace tsuchi::seal
