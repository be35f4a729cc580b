// Custody commands (SPEC §8, §9, §13): approve, handover, import receipt|worklog|returns|certificate,
// reconcile, audit verify|head. Each opens the ledger as the owner of --key, acts in one transaction
// with its signed audit record, and turns problems into messages on stderr and exit codes.
#include <unistd.h>

#include <filesystem>
#include <memory>

#include "core/digest.hpp"
#include "core/file.hpp"
#include "core/release.hpp"
#include "seal/seal.hpp"

#include "ledger/ledger.hpp"
#include "report/report.hpp"
#include "tsuchi/commands.hpp"
#include "text/text.hpp"

namespace tsuchi::cli {

namespace {

// An evidence copy: a file nobody may write (mode bits, so that root's copy reads as one too).
bool not_writable(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto perms = fs::status(path, ec).permissions();
  if (ec || !fs::exists(path, ec)) return false;
  return ::access(path.c_str(), W_OK) != 0 ||
         (perms & (fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write)) == fs::perms::none;
}

int finish(Console& con, const Diagnostics& ds, const std::string& done) {
  con.report(ds);
  if (has_errors(ds)) return con.fail(1, "refused");
  con.note(done);
  return 0;
}

// What an import did, for the JSON document.
void imported_json(Console& con, const ledger::ImportSummary& s) {
  auto& j = con.result();
  j["file_sha256"] = s.file_sha256;
  j["already_imported"] = s.already_imported;
  j["rows"] = s.rows;
  j["batches"] = s.batches;
}

// On a terminal, "mailed but never handed over" lines in red (ANSI), as on the PDF.
std::string red_alerts(std::string text) {
  const std::string alert = "flag: mailed but never handed over";
  for (std::size_t at = 0; (at = text.find(alert, at)) != std::string::npos;) {
    const std::size_t end = text.find('\n', at);
    text.insert(end == std::string::npos ? text.size() : end, "\033[0m");
    text.insert(at, "\033[31m");
    at = text.find('\n', at);
    if (at == std::string::npos) break;
  }
  return text;
}

// The same file again changes nothing, and says so.
std::string imported_text(const ledger::ImportSummary& s, const std::string& done) {
  return s.already_imported ? "already imported (sha256 " + s.file_sha256 + "): nothing changed" : done;
}

void add_import_file(CLI::App& parent, Action& action, const char* kind, const char* help) {
  struct Opts {
    Common c;
    std::string file, supersede;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = parent.add_subcommand(kind, help);
  cmd->add_option("FILE", o->file, "CSV with a header row, UTF-8 (BOM optional) or CP932 (output_spec/contractor-files.md)")
      ->required()
      ->check(CLI::ExistingFile);
  add_common(*cmd, o->c);
  cmd->add_option("--supersede", o->supersede,
                  "SHA256 of the earlier file this corrected one replaces (its rows stay as history, no longer counted)");
  cmd->callback([o, &action, kind = std::string(kind)] {
    action = [o, kind](Console& con) {
      auto s = open_session(con, o->c);
      if (!s) return 1;
      auto& l = s->ledger;
      auto r = kind == "receipt"   ? l.import_receipt(o->file, s->actor, o->supersede)
               : kind == "worklog" ? l.import_worklog(o->file, s->actor, o->supersede)
                                   : l.import_returns(o->file, s->actor, o->supersede);
      if (r.ok()) imported_json(con, r.value);
      return finish(con, r.problems, imported_text(r.value, std::to_string(r.value.rows) + " row(s) recorded"));
    };
  });
}

void add_import_certificate(CLI::App& parent, Action& action) {
  struct Opts {
    Common c;
    ledger::CertificateRequest req;
    int quantity = -1;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = parent.add_subcommand("certificate", "Record a destruction certificate (NIST SP 800-88) for one medium");
  cmd->add_option("FILE", o->req.file, "the filled-in certificate form (PDF, typed or scanned)")
      ->required()
      ->check(CLI::ExistingFile);
  add_common(*cmd, o->c);
  cmd->add_option("--batch", o->req.batch_id, "batch id (default: read from the form's QR code)");
  cmd->add_option("--medium", o->req.medium, "media id given at handover, 'archive', or 'spoilage'")->required();
  cmd->add_option("--method", o->req.method, "sanitization method")
      ->required()
      ->check(CLI::IsMember({"Clear", "Purge", "Destroy"}));
  cmd->add_option("--tool", o->req.tool, "tool or device used")->required();
  cmd->add_option("--tool-version", o->req.tool_version, "its version or model")->required();
  cmd->add_option("--verification", o->req.verification, "how the result was verified")->required();
  cmd->add_option("--date", o->req.date, "date of destruction, YYYY-MM-DD")->required();
  cmd->add_option("--place", o->req.place, "where it was done")->required();
  cmd->add_option("--operator", o->req.operator_name, "who did it")->required();
  cmd->add_option("--witness", o->req.witness, "who witnessed it")->required();
  cmd->add_option("--quantity", o->quantity, "sheets destroyed (required for the spoilage medium)");
  cmd->add_option("--supersede", o->req.supersedes,
                  "SHA256 of the earlier certificate file for this batch and medium that this one corrects");
  cmd->add_flag("--no-form-code", o->req.no_form_code,
                "supervisor only: accept a file without the form's QR code (needs --batch and --reason; audited as "
                "\"import certificate override\")");
  cmd->add_option("--reason", o->req.override_reason, "why the form's QR code is missing (with --no-form-code)");
  cmd->callback([o, &action] {
    action = [o](Console& con) {
      const std::string name = o->req.no_form_code ? "import certificate override" : "import certificate";
      if (o->req.no_form_code && o->req.batch_id.empty()) return con.fail(2, "--no-form-code needs --batch");
      auto s = o->req.no_form_code ? open_session(con, o->c, {keys::Role::supervisor}, {}, name)
                                   : open_session(con, o->c, {}, {}, name);
      if (!s) return 1;
      if (o->quantity >= 0) o->req.quantity = o->quantity;
      auto r = report::import_certificate(s->ledger, o->req, s->actor);
      if (r.ok()) imported_json(con, r.value);
      con.result()["medium"] = o->req.medium;
      return finish(con, r.problems,
                    imported_text(r.value, "certificate recorded for batch " +
                                               (r.value.batches.empty() ? std::string() : r.value.batches[0]) +
                                               (o->req.batch_id.empty() ? " (matched by the form's QR code)" : "")));
    };
  });
}

}  // namespace

void add_approve(CLI::App& app, Action& action) {
  struct Opts {
    Common c;
    std::string run_dir;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("approve", "Release a run after its review sheet: an approver other than the maker "
                                            "countersigns RUN_DIR/release.json");
  cmd->add_option("RUN_DIR", o->run_dir, "the run's output folder (run.json, review.txt, manifests)")
      ->required()
      ->check(CLI::ExistingDirectory);
  add_common(*cmd, o->c);
  cmd->callback([o, &action] {
    action = [o](Console& con) {
      if (auto code = refuse_removed(con, o->c)) return *code;
      const auto run = seal::read_run_json(o->run_dir);
      const auto dir = std::filesystem::path(o->run_dir);
      if (!run) return con.fail(1, "cannot read run_id (is this a run folder?)", (dir / "run.json").string());
      const std::string review = (dir / "review.txt").string();
      if (!std::filesystem::exists(review))
        return con.fail(1, "no review sheet: run `tsuchi review " + o->run_dir + "` first, then approve what it shows",
                        review);
      Diagnostics problems;
      const auto sheet = file::read(review, 64u << 20, problems, "this is not a review sheet");
      con.report(problems);
      if (!sheet) return 1;
      auto s = open_session(con, o->c, {keys::Role::approver}, {"run:" + run->run_id});
      if (!s) return 1;
      auto r = s->ledger.approve(run->run_id, digest::sha256_hex(*sheet), s->actor);
      con.report(r.problems);
      if (!r.ok()) return con.fail(1, "refused; no release was written");
      const std::string out = (dir / "release.json").string();
      if (!file::write_atomically(out, release::to_json(r.value)))
        return con.fail(1, "cannot write " + out + "; approve again to issue a new release");
      auto& j = con.result();
      j["run_id"] = run->run_id;
      j["approved_by"] = s->actor.user;
      j["release"] = out;
      j["sequence"] = r.value.approval.sequence;
      j["audit_head"] = r.value.approval.audit_head;
      con.note("run " + run->run_id + " approved by " + s->actor.user + " (approver); release sequence " +
               std::to_string(r.value.approval.sequence) + ", audit head " + r.value.approval.audit_head + "\n  " +
               out + ": give it to the contractor with the batches\n  next: tsuchi handover BATCH for each batch");
      return 0;
    };
  });
}

void add_handover(CLI::App& app, Action& action) {
  struct Opts {
    Common c;
    std::string batch, route, media;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("handover", "Record that an approved batch went to the contractor");
  cmd->add_option("BATCH", o->batch, "batch id")->required();
  add_common(*cmd, o->c);
  cmd->add_option("--route", o->route, "how it travelled (e.g. sftp, courier)");
  cmd->add_option("--media", o->media, "id of the medium it travelled on (to be certified destroyed)");
  cmd->callback([o, &action] {
    action = [o](Console& con) {
      auto s = open_session(con, o->c, {}, {"batch:" + o->batch});
      if (!s) return 1;
      con.result()["batch_id"] = o->batch;
      con.result()["route"] = o->route;
      con.result()["media"] = o->media;
      return finish(con, s->ledger.handover(o->batch, s->actor, o->route, o->media),
                    "batch " + o->batch + " handed over by " + s->actor.user);
    };
  });
}

void add_import(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand("import", "Record contractor and post-office evidence");
  cmd->require_subcommand(1);
  add_import_file(*cmd, action, "receipt", "Contractor's receipt: batch_id,archive_sha256,received_at,received_by");
  add_import_file(*cmd, action, "worklog", "Contractor's work log: batch_id,envelope_id,status,sheets,at");
  add_import_file(*cmd, action, "returns", "Returned mail: envelope_id,reason,at[,action]");
  add_import_certificate(*cmd, action);
}

void add_reconcile(CLI::App& app, Action& action) {
  struct Opts {
    Common c;
    std::string month, batch, csv, pdf, as_of;
    std::vector<std::string> fail_on;
    bool read_only = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("reconcile", "Sealed vs mailed vs returned, spoilage vs destroyed, what is overdue");
  add_common(*cmd, o->c);
  cmd->add_option("--month", o->month, "only runs of this billing month, YYYY-MM");
  cmd->add_option("--batch", o->batch, "only this batch");
  cmd->add_option("--csv", o->csv, "also write the per-batch counts to this CSV file, and its lists one id a row beside it (F-lists.csv)");
  cmd->add_option("--pdf", o->pdf, "also write the report as a PDF for the file");
  cmd->add_option("--as-of", o->as_of, "judge overdue items at this day, YYYY-MM-DD (default today)");
  cmd->add_option("--fail-on", o->fail_on, "exit 1 when any of these holds (for monitoring): flags,missing,overdue")
      ->delimiter(',')
      ->check(CLI::IsMember({"flags", "missing", "overdue"}));
  cmd->add_flag("--read-only", o->read_only,
                "an evidence copy: open the ledger without writing (no --key; nothing is recorded); also "
                "chosen when the file is not writable");
  cmd->callback([o, &action] {
    action = [o](Console& con) {
      ledger::ReconcileQuery q{o->month, o->batch, std::nullopt};
      if (!o->month.empty() && !parse_year_month(o->month))
        return con.fail(2, "--month \"" + o->month + "\": must be YYYY-MM");
      if (!o->as_of.empty() && !(q.as_of = parse_date(o->as_of)))
        return con.fail(2, "--as-of \"" + o->as_of + "\": must be YYYY-MM-DD");
      if (auto code = refuse_removed(con, o->c)) return *code;
      const std::string path = ledger_path(o->c.ledger);
      const bool read_only = o->read_only || not_writable(path);
      std::unique_ptr<Session> s;
      std::optional<ledger::Ledger> copy;
      if (read_only) {
        if (!(copy = open_read_only(con, o->c.ledger))) return 1;
      } else if (!(s = open_session(con, o->c))) {
        return 1;
      }
      auto& l = read_only ? *copy : s->ledger;
      auto r = l.reconcile(q, read_only ? nullptr : &s->actor);
      con.report(r.problems);
      if (!r.ok()) return 1;
      auto te = o->pdf.empty() ? nullptr : text_engine(con);
      if (!o->pdf.empty() && !te) return 1;
      auto w = report::write_reconcile(r.value, o->csv, o->pdf, te.get());
      con.report(w.problems);
      if (!w.ok()) return 1;
      if (!w.value.empty()) return con.fail(1, "cannot write " + w.value);
      merge(con.result(), ledger::to_json(r.value));
      con.result()["read_only"] = read_only;
      std::string text = ledger::to_text(r.value);
      if (::isatty(STDERR_FILENO)) text = red_alerts(text);
      con.say(text);
      if (read_only) con.note("read-only copy: not recorded (audit head " + r.value.head.text() + ")");
      const auto held = ledger::failing_conditions(r.value, o->fail_on);
      con.result()["failing"] = held;
      if (!held.empty()) {
        std::string list;
        for (const auto& h : held) list += (list.empty() ? "" : ", ") + h;
        return con.fail(1, "--fail-on: " + list);
      }
      return 0;
    };
  });
}

void add_audit(CLI::App& app, Action& action) {
  struct Opts {
    Common c;
    std::string expect_head, city_key;
  };
  auto o = std::make_shared<Opts>();
  auto* audit = app.add_subcommand("audit", "The signed, chained audit log");
  audit->require_subcommand(1);
  auto* cmd = audit->add_subcommand(
      "verify", "Check signatures, chain, roles and custody rows; name every break (works on a read-only copy)");
  add_common(*cmd, o->c);
  cmd->add_option("--expect-head", o->expect_head, "SEQ:HASH (from a release, review sheet or reconcile report): "
                                                   "that record must exist with that hash, so nothing after it was cut");
  cmd->add_option("--city-key", o->city_key, "city.pub: the ledger must be rooted in this city key");
  cmd->callback([o, &action] {
    action = [o](Console& con) {
      if (auto code = refuse_removed(con, o->c)) return *code;
      ledger::VerifyOptions opt;
      if (!o->expect_head.empty() && !(opt.expect_head = ledger::parse_head(o->expect_head)))
        return con.fail(2, "--expect-head \"" + o->expect_head + "\": must be SEQ:HASH (64 hex digits)");
      if (!o->city_key.empty()) {
        auto city = keys::read_public(o->city_key, keys::Kind::city);
        con.report(city.problems);
        if (!city.ok()) return 1;
        opt.city_key = city.value;
      }
      // With --key on a writable ledger the check is recorded; otherwise it only reads.
      const std::string path = ledger_path(o->c.ledger);
      const bool record = !o->c.key.empty() && !not_writable(path);
      std::unique_ptr<Session> s;
      std::optional<ledger::Ledger> copy;
      if (record) {
        if (!(s = open_session(con, o->c))) return 1;
      } else if (!(copy = open_read_only(con, o->c.ledger))) {
        return 1;
      }
      const auto& l = record ? s->ledger : *copy;
      auto r = l.verify_audit(opt);
      con.report(r.problems);
      if (!r.ok()) return 1;
      merge(con.result(), ledger::to_json(r.value));
      con.result()["recorded"] = record;
      con.say(ledger::to_text(r.value));
      if (record) con.report(s->ledger.record_audit_check(r.value, s->actor));
      if (!r.value.ok()) return con.fail(1, "the audit log does not verify (see the breaks above)");
      return 0;
    };
  });
  add_query(*audit, action, "head", "Print SEQ:HASH of the newest audit record (read-only, no key)",
            [](const ledger::Ledger& l, Console& con) {
              const auto h = l.head();
              con.result()["seq"] = h.seq;
              con.result()["hash"] = h.hash;
              con.result()["head"] = h.text();
              con.say(h.text() + "\n");
            });
}

}  // namespace tsuchi::cli
