#include <filesystem>
#include <iostream>

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
    terminal::Verbosity verbosity = terminal::Verbosity::normal;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("preview", "Staff proof: plaintext PDFs and insertion.csv (staff only, audited export)");
  add_input_options(*cmd, o->in);
  add_common(*cmd, o->c, false);
  cmd->add_option("--out", o->out, "output folder")->required();
  cmd->add_option("--threads", o->threads, "worker threads (default: all cores)");
  add_verbosity(*cmd, o->verbosity);
  cmd->callback([o, &action] {
    action = [o] {
      const std::string name = "preview";
      if (!resolve_inputs(o->in, name, true)) return 2;
      auto s = open_session(name, o->c, {keys::Role::staff});
      if (!s) return 1;
      const auto pinned = s->ledger.config();
      if (!matches_pinned(name, o->in, pinned)) return 1;
      terminal::ProgressDisplay progress({.command = name, .verbosity = o->verbosity});
      auto in = load_inputs(o->in, &pinned, &progress);
      print_problems(in.problems);
      if (has_errors(in.problems)) {
        std::cerr << "tsuchi preview: the inputs have errors; nothing was rendered\n";
        return 1;
      }
      Diagnostics problems;
      const auto digest = inputs_sha256(o->in, pinned, problems);
      print_problems(problems);
      if (!digest) return 1;
      // A private folder of this user's, before the export is put on record.
      if (!make_folder(name, o->out)) return 1;
      std::error_code ec;
      const std::string out = std::filesystem::absolute(o->out, ec).lexically_normal().string();
      auto start = s->ledger.record_preview_start(s->actor, ec ? o->out : out, *digest);
      print(name, start.problems);
      if (!start.ok()) {
        std::cerr << "tsuchi preview: the export could not be put on record; nothing was written\n";
        return 1;
      }
      auto [r, listed] = produce::preview(in, data_dir(), o->threads, o->out, &progress);
      print_problems(r.problems);
      const bool completed = !has_errors(r.problems) && listed;
      const auto done = s->ledger.record_preview_done(s->actor, start.value, written(r, o->out), r.totals, completed);
      print(name, done);
      if (has_errors(r.problems)) {
        std::cerr << "tsuchi preview: stopped; the files in " << o->out << " are incomplete\n";
        return 1;
      }
      if (!listed) {
        std::cerr << "tsuchi preview: cannot write insertion.csv\n";
        return 1;
      }
      if (has_errors(done)) {
        produce::remove_preview(r, o->out);
        std::cerr << "tsuchi preview: the files' digests could not be put on record, so the files were removed\n";
        return 1;
      }
      std::cerr << "tsuchi preview: " << r.totals.envelopes << " envelopes, " << r.totals.notices << " notices, "
                << r.totals.slips << " slips, " << r.totals.pages << " pages in " << r.batches.size() << " PDF(s) under "
                << o->out << "; exported by " << s->actor.user << " (audit record " << start.value << ")\n";
      return 0;
    };
  });
}

}  // namespace tsuchi::cli
