// `tsuchi review RUN_DIR` (SPEC §8) and `tsuchi certificate form BATCH` (SPEC §9): documents from
// the ledger, written and put on record by report as the owner of --key; here, what is printed.
#include <filesystem>
#include <memory>

#include "report/report.hpp"
#include "seal/seal.hpp"
#include "tsuchi/commands.hpp"

namespace tsuchi::cli {

void add_review(CLI::App& app, Action& action) {
  struct Opts {
    Common c;
    std::string run_dir, fees;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("review", "Review sheet of a run (counts, totals, changes, anomalies) for the approver");
  cmd->add_option("RUN_DIR", o->run_dir, "the run's output folder (run.json); review.txt and review.pdf go there")
      ->required()
      ->check(CLI::ExistingDirectory);
  add_common(*cmd, o->c);
  cmd->add_option("--fees", o->fees, "fees.toml: also check every amount against the schedule in force")
      ->check(CLI::ExistingFile);
  cmd->callback([o, &action] {
    action = [o](Console& con) {
      if (auto code = refuse_removed(con, o->c)) return *code;
      const auto run = seal::read_run_json(o->run_dir);
      if (!run)
        return con.fail(1, "cannot read run_id (is this a run folder?)", (std::filesystem::path(o->run_dir) / "run.json").string());
      auto s = open_session(con, o->c, {}, {"run:" + run->run_id});
      if (!s) return 1;
      auto te = text_engine(con);
      if (!te) return 1;
      auto r = report::write_review(s->ledger, *run, s->actor, o->fees, *te);
      con.report(r.problems);
      if (!r.ok()) return 1;
      if (!r.value.written) return con.fail(1, "cannot write review.txt / review.pdf in " + o->run_dir);
      const auto anomalies = r.value.sheet.anomalies.size();
      const auto dir = std::filesystem::path(o->run_dir);
      auto& j = con.result();
      j["run_id"] = run->run_id;
      j["anomalies"] = anomalies;
      j["review_txt"] = (dir / "review.txt").string();
      j["review_pdf"] = (dir / "review.pdf").string();
      j["review_sha256"] = r.value.sha256;
      j["reviewed_by"] = s->actor.user;
      // The sheet itself is for the person at the desk: stderr, as all human text (and review.txt).
      con.say(r.value.text);
      con.note("run " + run->run_id + ": " + std::to_string(anomalies) + " anomal" + (anomalies == 1 ? "y" : "ies") +
               "; review.txt SHA-256 " + r.value.sha256 + " recorded for approval by " + s->actor.user +
               "\n  next: an approver other than the maker: tsuchi approve " + o->run_dir);
      return 0;
    };
  });
}

void add_certificate(CLI::App& app, Action& action) {
  struct Opts {
    Common c;
    std::string batch, out, pdf;
  };
  auto o = std::make_shared<Opts>();
  auto* cert = app.add_subcommand("certificate", "Destruction/return certificate forms (NIST SP 800-88)");
  cert->require_subcommand(1);
  auto* cmd = cert->add_subcommand("form", "Print a batch's certificate form with its QR code");
  cmd->add_option("BATCH", o->batch, "batch id")->required();
  auto* pdf = cmd->add_option("--pdf", o->pdf, "the form, a PDF file");
  cmd->add_option("--out", o->out, "a folder: the form is written there as BATCH-certificate.pdf")->excludes(pdf);
  add_common(*cmd, o->c);
  cmd->callback([o, &action] {
    action = [o](Console& con) {
      std::string path = o->pdf;
      if (path.empty() && !o->out.empty()) {
        // SPEC §12's `--out F.pdf` names the file; any other --out is a folder, as on every command.
        if (o->out.ends_with(".pdf") || o->out.ends_with(".PDF")) {
          path = o->out;
        } else {
          // No personal data on the form, so an ordinary folder (never one tightened to 0700 behind the user).
          std::error_code ec;
          std::filesystem::create_directories(o->out, ec);
          if (ec) return con.fail(1, "--out " + o->out + ": " + ec.message());
          path = (std::filesystem::path(o->out) / (o->batch + "-certificate.pdf")).string();
        }
      }
      if (path.empty()) return con.fail(2, "give --pdf F.pdf (or --out DIR)");
      auto s = open_session(con, o->c, {}, {"batch:" + o->batch});
      if (!s) return 1;
      auto te = text_engine(con);
      if (!te) return 1;
      auto r = report::write_certificate_form(s->ledger, o->batch, s->actor, *te, path);
      con.report(r.problems);
      if (!r.ok()) return 1;
      if (!r.value) return con.fail(1, "cannot write " + path);
      con.result()["batch_id"] = o->batch;
      con.result()["pdf"] = path;
      con.note(path + " for batch " + o->batch);
      return 0;
    };
  });
}

}  // namespace tsuchi::cli
