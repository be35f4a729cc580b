// Shared fixtures of the ledger tests: a temporary folder, a settable clock, a small sealed run.
#pragma once
#include <sodium.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "ledger/ledger.hpp"

namespace fs = std::filesystem;
using namespace tsuchi;
using namespace tsuchi::ledger;

// A fresh folder under /tmp, removed with everything in it at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "tsuchi-ledger-XXXXXX").string();
    path = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
  std::string write(const std::string& name, const std::string& bytes) const {
    std::ofstream(file(name), std::ios::binary) << bytes;
    return file(name);
  }
};

// A clock the test sets; every audit record and event takes its time from it.
struct TestClock {
  std::shared_ptr<std::string> now = std::make_shared<std::string>("2025-09-01T01:00:00Z");  // Mon 10:00 JST
  Clock clock() const {
    auto p = now;
    return [p] { return *p; };
  }
  void set(const std::string& iso) { *now = iso; }
};

inline std::string sha256(const std::string& bytes) {
  unsigned char d[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(d, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  char hex[sizeof d * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, d, sizeof d);
  return hex;
}

// The run folder `tsuchi run` leaves: run.json and one manifest per batch (their bytes are what
// the ledger's manifest_sha256 is taken over). Review sheets are added by the tests.
struct SealedRun {
  RunRecord record;
  std::string dir;
};

inline const std::string kRun = "R20250901";
inline const std::string kBatch = "R20250901-B001";
inline std::string envelope(int n) {
  char b[32];
  std::snprintf(b, sizeof b, "%s/%06d", kBatch.c_str(), n);
  return b;
}
inline std::string archive_bytes() { return "encrypted archive bytes of " + kBatch; }

// One batch of four envelopes of two sheets each; each envelope one notice and one slip.
inline SealedRun sealed_run(const TempDir& tmp, const std::string& maker) {
  SealedRun r;
  fs::create_directories(tmp.path / "run");
  r.dir = (tmp.path / "run").string();
  std::string manifest = "{\"batch_id\":\"" + kBatch + "\",\"run_id\":\"" + kRun + "\",\"envelopes\":4}\n";
  std::ofstream(r.dir + "/" + kBatch + ".manifest.json", std::ios::binary) << manifest;
  std::ofstream(r.dir + "/run.json") << "{\"run_id\":\"" << kRun << "\",\"user\":\"" << maker << "\"}\n";
  BatchRecord b{kBatch, sha256(archive_bytes()), sha256(manifest), sha256("tagmanifest"), {}};
  for (int i = 1; i <= 4; ++i) b.envelopes.push_back({envelope(i), "360", 2, 2, 1, 1});
  r.record = {kRun, maker, "2025-09-01T00:30:00Z", "2025-09", {b}, {}, {}};
  for (int i = 1; i <= 4; ++i) {
    r.record.slips.push_back({envelope(i), "C00" + std::to_string(i), "2025-09", 30000 + i * 100, true});
    r.record.notices.push_back({envelope(i), "C00" + std::to_string(i), i == 4 ? "change" : "decision"});
  }
  return r;
}

inline Policy test_policy() {
  Policy p;
  p.staff = {"tanaka", "suzuki"};
  p.approver = {"sato", "yamada"};
  p.supervisor = {"takahashi"};
  return p;
}

inline Ledger open_ledger(const TempDir& tmp, const TestClock& clock, const std::string& name = "ledger.sqlite") {
  auto l = Ledger::open(tmp.file(name), clock.clock());
  if (!l.ok()) throw std::runtime_error(format(l.problems.front()));
  return std::move(l.value);
}

inline std::string messages(const Diagnostics& ds) {
  std::string s;
  for (const auto& d : ds) s += format(d) + "\n";
  return s;
}
