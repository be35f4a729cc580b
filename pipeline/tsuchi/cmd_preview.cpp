#include <filesystem>

#include "core/digest.hpp"
#include "core/file.hpp"
#include "ledger/ledger.hpp"
#include "tsuchi/commands.hpp"

namespace tsuchi::cli {

namespace {

// The input's digest on record: SHA-256 over the SHA-256s of cases, fees and the configuration.
std::optional<std::string> inputs_sha256(const InputPaths& in, const ledger::PinnedConfig& pinned, Diagnostics& problems) {
  std::string digests;
  for (const auto& path : {in.cases, in.fees}) {
    auto bytes = file::read(path, std::uint64_t{1} << 30, problems);
    if (!bytes) return std::nullopt;
    digests += digest::sha256(*bytes);
  }
  return digest::sha256_hex(digests + digest::sha256(pinned.text));
}

// What a preview left in `out`, each file by name and SHA-256 (read back from disk).
std::vector<ledger::Ledger::PreviewFile> written(const produce::Result& r, const std::string& out) {
  std::vector<std::string> names;
  for (const auto& b : r.batches) names.push_back(b.pdf_name);
  names.push_back("insertion.csv");
  std::vector<ledger::Ledger::PreviewFile> files;
  for (const auto& n : names) {
    Diagnostics ignored;
    const auto path = (std::filesystem::path(out) / n).string();
    if (!std::filesystem::exists(path)) continue;
    if (auto bytes = file::read(path, std::uint64_t{1} << 32, ignored)) files.push_back({n, digest::sha256_hex(*bytes)});
  }
  return files;
}

}  // namespace

// `tsuchi preview IN --out DIR --key ME.secret`: plaintext leaves the office's control here, so it is
// an audited export: recorded before the first file is written, and after with each file's digest.
void add_preview(CLI::App& app, Action& action) {
  struct Opts {
    InputPaths in;
    Common c;
    std::string out;
    int threads = 0;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("preview", "Staff proof: plaintext PDFs and insertion.csv (staff only, audited export)");
  add_input_options(*cmd, o->in);
  add_common(*cmd, o->c, false);
  cmd->add_option("--out", o->out, "output folder")->required();
  cmd->add_option("--threads", o->threads, "worker threads (default: all cores)");
  cmd->callback([o, &action] {
    action = [o](Console& con) {
      if (!resolve_inputs(o->in, con, true)) return 2;
      auto s = open_session(con, o->c, {keys::Role::staff});
      if (!s) return 1;
      const auto pinned = s->ledger.config();
      if (!matches_pinned(con, o->in, pinned)) return 1;
      terminal::ProgressDisplay progress({.command = con.command(), .verbosity = verbosity(con.output())});
      auto in = load_inputs(o->in, &pinned, &progress);
      con.report(in.problems);
      if (has_errors(in.problems)) return con.fail(1, "the inputs have errors; nothing was rendered");
      Diagnostics problems;
      const auto digest = inputs_sha256(o->in, pinned, problems);
      con.report(problems);
      if (!digest) return 1;
      // A private folder of this user's, before the export is put on record.
      if (!make_folder(con, o->out)) return 1;
      std::error_code ec;
      const std::string out = std::filesystem::absolute(o->out, ec).lexically_normal().string();
      auto start = s->ledger.record_preview_start(s->actor, ec ? o->out : out, *digest);
      con.report(start.problems);
      if (!start.ok()) return con.fail(1, "the export could not be put on record; nothing was written");
      auto [r, listed] = produce::preview(in, data_dir(), o->threads, o->out, &progress);
      con.report(r.problems);
      const bool completed = !has_errors(r.problems) && listed;
      const auto files = written(r, o->out);
      const auto done = s->ledger.record_preview_done(s->actor, start.value, files, r.totals, completed);
      con.report(done);
      if (has_errors(r.problems)) return con.fail(1, "stopped; the files in " + o->out + " are incomplete");
      if (!listed) return con.fail(1, "cannot write insertion.csv");
      if (has_errors(done)) {
        produce::remove_preview(r, o->out);
        return con.fail(1, "the files' digests could not be put on record, so the files were removed");
      }
      auto& j = con.result();
      j["out"] = ec ? o->out : out;
      j["envelopes"] = r.totals.envelopes;
      j["notices"] = r.totals.notices;
      j["slips"] = r.totals.slips;
      j["pages"] = r.totals.pages;
      j["files"] = Json::array();
      for (const auto& f : files) j["files"].push_back({{"name", f.name}, {"sha256", f.sha256}});
      j["audit_record"] = start.value;
      j["exported_by"] = s->actor.user;
      con.note(std::to_string(r.totals.envelopes) + " envelopes, " + std::to_string(r.totals.notices) + " notices, " +
               std::to_string(r.totals.slips) + " slips, " + std::to_string(r.totals.pages) + " pages in " +
               std::to_string(r.batches.size()) + " PDF(s) under " + o->out + "; exported by " + s->actor.user +
               " (audit record " + std::to_string(start.value) + ")");
      return 0;
    };
  });
}

}  // namespace tsuchi::cli
