// BagIt (RFC 8493): building a bag in memory and validating one.
#include <algorithm>
#include <map>
#include <set>

#include "seal/internal.hpp"

namespace tsuchi::seal {

namespace {

struct Algorithm {
  const char* name;
  std::size_t hex_len;
  std::string (*digest)(std::string_view);
};
constexpr Algorithm kAlgorithms[] = {{"sha256", 64, digest::sha256_hex}, {"sha512", 128, digest::sha512_hex}};

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.push_back(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

// RFC 8493 §2.1.3: only CR, LF and % are percent-encoded in manifest paths.
std::string decode_path(std::string_view p) {
  std::string out;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '%' && i + 2 < p.size()) {
      auto code = p.substr(i, 3);
      if (code == "%0D" || code == "%0d") { out += '\r'; i += 2; continue; }
      if (code == "%0A" || code == "%0a") { out += '\n'; i += 2; continue; }
      if (code == "%25") { out += '%'; i += 2; continue; }
    }
    out += p[i];
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// "Label: value" lines with continuation lines starting with whitespace (RFC 8493 §2.2.2).
std::vector<std::pair<std::string, std::string>> tag_values(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto line : lines_of(text)) {
    if (line.empty()) continue;
    if ((line.front() == ' ' || line.front() == '\t') && !out.empty()) {
      // A blank continuation line adds nothing (found by fuzz/bag: it used to throw out_of_range).
      if (auto text = line.find_first_not_of(" \t"); text != std::string_view::npos)
        out.back().second += " " + std::string(line.substr(text));
      continue;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      out.emplace_back(std::string(line), std::string());
      continue;
    }
    auto value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    out.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  return out;
}

}  // namespace

namespace detail {

std::vector<PayloadFile> make_bag(const BatchSpec& spec) {
  BatchSpec copy = spec;
  return make_bag(std::move(copy));
}

std::vector<PayloadFile> make_bag(BatchSpec&& spec) {
  std::vector<PayloadFile*> data;
  for (auto& p : spec.payload) data.push_back(&p);
  std::sort(data.begin(), data.end(), [](auto* a, auto* b) { return a->name < b->name; });

  std::uint64_t bytes = 0;
  std::string manifests[2];
  for (const auto* p : data) {
    bytes += p->bytes.size();
    for (int a = 0; a < 2; ++a) manifests[a] += kAlgorithms[a].digest(p->bytes) + "  data/" + p->name + "\n";
  }
  const auto& c = spec.counts;
  std::vector<PayloadFile> bag;
  bag.push_back({"bagit.txt", "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"});
  bag.push_back({"bag-info.txt",
                 "Bagging-Date: " + spec.created_at.substr(0, 10) + "\n" +
                     "Bag-Software-Agent: tsuchi " + spec.tool_version + "\n" +
                     "External-Identifier: " + spec.batch_id + "\n" +
                     "Bag-Count: " + std::to_string(spec.index) + " of " + std::to_string(spec.total) + "\n" +
                     "Payload-Oxum: " + std::to_string(bytes) + "." + std::to_string(data.size()) + "\n" +
                     "Run-Id: " + spec.run_id + "\n" +
                     "Envelopes: " + std::to_string(c.envelopes) + "\n" +
                     "Notices: " + std::to_string(c.notices) + "\n" +
                     "Slips: " + std::to_string(c.slips) + "\n" +
                     "Pages: " + std::to_string(c.pages) + "\n" +
                     "Sheets: " + std::to_string(c.sheets) + "\n"});
  bag.push_back({"manifest-sha256.txt", manifests[0]});
  bag.push_back({"manifest-sha512.txt", manifests[1]});
  std::string tags[2];
  for (const auto& t : bag)
    for (int a = 0; a < 2; ++a) tags[a] += kAlgorithms[a].digest(t.bytes) + "  " + t.name + "\n";
  bag.push_back({"tagmanifest-sha256.txt", tags[0]});
  bag.push_back({"tagmanifest-sha512.txt", tags[1]});
  for (auto* p : data) bag.push_back({"data/" + p->name, std::move(p->bytes)});  // a print file is not copied
  spec.payload.clear();
  return bag;
}

}  // namespace detail

Diagnostics check_bag(const std::vector<PayloadFile>& files, const std::string& where) {
  Diagnostics out;
  auto fail = [&](const std::string& file, int line, std::string reason, std::string value = {}) {
    auto d = detail::error(where + "/" + file, std::move(reason), std::move(value));
    d.line = line;
    out.push_back(std::move(d));
  };
  std::map<std::string, const std::string*> by_name;
  for (const auto& f : files)
    if (!by_name.emplace(f.name, &f.bytes).second) fail(f.name, 0, "appears twice in the bag");

  auto bagit = by_name.find("bagit.txt");
  if (bagit == by_name.end()) {
    fail("bagit.txt", 0, "missing: not a BagIt bag");
    return out;
  }
  std::map<std::string, std::string> declared;
  for (auto& [k, v] : tag_values(*bagit->second)) declared[k] = v;
  if (declared["BagIt-Version"] != "1.0" && declared["BagIt-Version"] != "0.97")
    fail("bagit.txt", 1, "unsupported BagIt-Version", declared["BagIt-Version"]);
  if (lower(declared["Tag-File-Character-Encoding"]) != "utf-8")
    fail("bagit.txt", 2, "Tag-File-Character-Encoding must be UTF-8", declared["Tag-File-Character-Encoding"]);

  std::set<std::string> payload;
  std::uint64_t payload_bytes = 0;
  for (const auto& [name, bytes] : by_name)
    if (name.rfind("data/", 0) == 0) {
      payload.insert(name);
      payload_bytes += bytes->size();
    }

  // Tag files not covered by a tag manifest could say anything unchecked: each must be listed.
  std::set<std::string> tag_listed;
  for (const auto& alg : kAlgorithms) {
    for (bool tag : {false, true}) {
      std::string mname = std::string(tag ? "tagmanifest-" : "manifest-") + alg.name + ".txt";
      auto m = by_name.find(mname);
      if (m == by_name.end()) {
        fail(mname, 0, "missing (both SHA-256 and SHA-512 manifests are required)");
        continue;
      }
      std::set<std::string> listed;
      int lineno = 0;
      for (auto line : lines_of(*m->second)) {
        ++lineno;
        if (line.empty()) continue;
        auto ws = line.find_first_of(" \t");
        auto start = ws == std::string_view::npos ? ws : line.find_first_not_of(" \t", ws);
        if (start == std::string_view::npos) {
          fail(mname, lineno, "line is not \"<digest> <path>\"");
          continue;
        }
        std::string digest = lower(line.substr(0, ws));
        std::string path = decode_path(line.substr(start));
        if (digest.size() != alg.hex_len || digest.find_first_not_of("0123456789abcdef") != std::string::npos) {
          fail(mname, lineno, std::string("not a ") + alg.name + " digest", path);
          continue;
        }
        if (!listed.insert(path).second) fail(mname, lineno, "listed twice", path);
        bool is_data = path.rfind("data/", 0) == 0;
        if (is_data == tag || path.rfind("tagmanifest-", 0) == 0) {
          fail(mname, lineno, tag ? "a tag manifest may list only tag files" : "a manifest may list only data/ files",
               path);
          continue;
        }
        auto f = by_name.find(path);
        if (f == by_name.end()) {
          fail(mname, lineno, "listed but missing from the bag", path);
          continue;
        }
        if (alg.digest(*f->second) != digest) fail(mname, lineno, std::string(alg.name) + " digest does not match", path);
        if (tag) tag_listed.insert(path);
      }
      if (!tag)
        for (const auto& p : payload)
          if (!listed.count(p)) fail(mname, 0, "payload file not listed in the manifest", p);
    }
  }
  for (const auto& [name, bytes] : by_name) {
    if (name.rfind("data/", 0) == 0 || name.rfind("tagmanifest-", 0) == 0 || name == "bagit.txt") continue;
    if (name.rfind("manifest-", 0) == 0 && name != "manifest-sha256.txt" && name != "manifest-sha512.txt") {
      fail(name, 0, "unsupported manifest algorithm");
      continue;
    }
    if (!tag_listed.count(name)) fail(name, 0, "tag file not covered by the tag manifests");
  }

  if (auto info = by_name.find("bag-info.txt"); info != by_name.end()) {
    for (auto& [k, v] : tag_values(*info->second)) {
      if (k != "Payload-Oxum") continue;
      std::string expect = std::to_string(payload_bytes) + "." + std::to_string(payload.size());
      if (v != expect) fail("bag-info.txt", 0, "Payload-Oxum does not match the payload (" + expect + ")", v);
    }
  }
  return out;
}

}  // namespace tsuchi::seal
