// Custody commands (SPEC §8, §9, §13): approve, handover, import receipt|worklog|returns|certificate,
// reconcile, audit verify|head. Each opens the ledger as the owner of --key, acts in one transaction
// with its signed audit record, and turns problems into messages on stderr and exit codes.
#include <unistd.h>

#include <filesystem>
#include <iostream>
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

int finish(const std::string& command, const Diagnostics& ds, const std::string& done) {
  print(command, ds);
  if (has_errors(ds)) {
    std::cerr << "tsuchi " << command << ": refused\n";
    return 1;
  }
  std::cerr << "tsuchi " << command << ": " << done << "\n";
  return 0;
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
  std::string name = std::string("import ") + kind;
  cmd->callback([o, &action, name, kind = std::string(kind)] {
    action = [o, name, kind] {
      auto s = open_session(name, o->c);
      if (!s) return 1;
      auto& l = s->ledger;
      auto r = kind == "receipt"   ? l.import_receipt(o->file, s->actor, o->supersede)
               : kind == "worklog" ? l.import_worklog(o->file, s->actor, o->supersede)
                                   : l.import_returns(o->file, s->actor, o->supersede);
      return finish(name, r.problems, imported_text(r.value, std::to_string(r.value.rows) + " row(s) recorded"));
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
    action = [o] {
      const std::string name = o->req.no_form_code ? "import certificate override" : "import certificate";
      if (o->req.no_form_code && o->req.batch_id.empty()) {
        std::cerr << "tsuchi import certificate: --no-form-code needs --batch\n";
        return 2;
      }
      auto s = o->req.no_form_code ? open_session(name, o->c, {keys::Role::supervisor}) : open_session(name, o->c);
      if (!s) return 1;
      if (o->quantity >= 0) o->req.quantity = o->quantity;
      auto r = report::import_certificate(s->ledger, o->req, s->actor);
      return finish(name, r.problems,
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
    action = [o] {
      const std::string name = "approve";
      if (auto code = refuse_removed(name, o->c)) return *code;
      const auto run = seal::read_run_json(o->run_dir);
      const auto dir = std::filesystem::path(o->run_dir);
      if (!run) {
        std::cerr << (dir / "run.json").string() << ": error: cannot read run_id (is this a run folder?)\n";
        return 1;
      }
      const std::string review = (dir / "review.txt").string();
      if (!std::filesystem::exists(review)) {
        std::cerr << review << ": error: no review sheet: run `tsuchi review " << o->run_dir
                  << "` first, then approve what it shows\n";
        return 1;
      }
      Diagnostics problems;
      const auto sheet = file::read(review, 64u << 20, problems, "this is not a review sheet");
      print(name, problems);
      if (!sheet) return 1;
      auto s = open_session(name, o->c, {keys::Role::approver}, {"run:" + run->run_id});
      if (!s) return 1;
      auto r = s->ledger.approve(run->run_id, digest::sha256_hex(*sheet), s->actor);
      print(name, r.problems);
      if (!r.ok()) {
        std::cerr << "tsuchi approve: refused; no release was written\n";
        return 1;
      }
      const std::string out = (dir / "release.json").string();
      if (!file::write_atomically(out, release::to_json(r.value))) {
        std::cerr << "tsuchi approve: cannot write " << out << "; approve again to issue a new release\n";
        return 1;
      }
      std::cerr << "tsuchi approve: run " << run->run_id << " approved by " << s->actor.user << " (approver); release "
                << "sequence " << r.value.approval.sequence << ", audit head " << r.value.approval.audit_head << "\n  "
                << out << ": give it to the contractor with the batches\n";
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
    action = [o] {
      auto s = open_session("handover", o->c, {}, {"batch:" + o->batch});
      if (!s) return 1;
      return finish("handover", s->ledger.handover(o->batch, s->actor, o->route, o->media),
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
    bool json = false, read_only = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("reconcile", "Sealed vs mailed vs returned, spoilage vs destroyed, what is overdue");
  add_common(*cmd, o->c);
  cmd->add_option("--month", o->month, "only runs of this billing month, YYYY-MM");
  cmd->add_option("--batch", o->batch, "only this batch");
  cmd->add_option("--csv", o->csv, "also write the per-batch counts to this CSV file, and its lists one id a row beside it (F-lists.csv)");
  cmd->add_option("--pdf", o->pdf, "also write the report as a PDF for the file");
  cmd->add_option("--as-of", o->as_of, "judge overdue items at this day, YYYY-MM-DD (default today)");
  cmd->add_flag("--json", o->json, "print the report as JSON on stdout");
  cmd->add_option("--fail-on", o->fail_on, "exit 1 when any of these holds (for monitoring): flags,missing,overdue")
      ->delimiter(',')
      ->check(CLI::IsMember({"flags", "missing", "overdue"}));
  cmd->add_flag("--read-only", o->read_only,
                "an evidence copy: open the ledger without writing (no --key; nothing is recorded); also "
                "chosen when the file is not writable");
  cmd->callback([o, &action] {
    action = [o] {
      const std::string name = "reconcile";
      ledger::ReconcileQuery q{o->month, o->batch, std::nullopt};
      if (!o->month.empty() && !parse_year_month(o->month)) {
        std::cerr << "tsuchi reconcile: --month \"" << o->month << "\": must be YYYY-MM\n";
        return 2;
      }
      if (!o->as_of.empty() && !(q.as_of = parse_date(o->as_of))) {
        std::cerr << "tsuchi reconcile: --as-of \"" << o->as_of << "\": must be YYYY-MM-DD\n";
        return 2;
      }
      if (auto code = refuse_removed(name, o->c)) return *code;
      const std::string path = ledger_path(o->c.ledger);
      const bool read_only = o->read_only || not_writable(path);
      std::unique_ptr<Session> s;
      std::optional<ledger::Ledger> copy;
      if (read_only) {
        if (!(copy = open_read_only(name, o->c.ledger))) return 1;
      } else if (!(s = open_session(name, o->c))) {
        return 1;
      }
      auto& l = read_only ? *copy : s->ledger;
      auto r = l.reconcile(q, read_only ? nullptr : &s->actor);
      print(name, r.problems);
      if (!r.ok()) return 1;
      auto te = o->pdf.empty() ? nullptr : text_engine(name);
      if (!o->pdf.empty() && !te) return 1;
      auto w = report::write_reconcile(r.value, o->csv, o->pdf, te.get());
      print(name, w.problems);
      if (!w.ok()) return 1;
      if (!w.value.empty()) {
        std::cerr << "tsuchi reconcile: cannot write " << w.value << "\n";
        return 1;
      }
      std::string out = o->json ? ledger::to_json(r.value) : ledger::to_text(r.value);
      if (!o->json && ::isatty(STDOUT_FILENO)) out = red_alerts(out);
      std::cout << out;
      if (read_only) std::cerr << "tsuchi reconcile: read-only copy: not recorded (audit head " << r.value.head.text() << ")\n";
      if (auto held = ledger::failing_conditions(r.value, o->fail_on); !held.empty()) {
        std::string list;
        for (const auto& h : held) list += (list.empty() ? "" : ", ") + h;
        std::cerr << "tsuchi reconcile: --fail-on: " << list << "\n";
        return 1;
      }
      return 0;
    };
  });
}

void add_audit(CLI::App& app, Action& action) {
  struct Opts {
    Common c;
    std::string expect_head, city_key;
    bool json = false;
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
  cmd->add_flag("--json", o->json, "print the report as JSON on stdout");
  cmd->callback([o, &action] {
    action = [o] {
      const std::string name = "audit verify";
      if (auto code = refuse_removed(name, o->c)) return *code;
      ledger::VerifyOptions opt;
      if (!o->expect_head.empty() && !(opt.expect_head = ledger::parse_head(o->expect_head))) {
        std::cerr << "tsuchi audit verify: --expect-head \"" << o->expect_head << "\": must be SEQ:HASH (64 hex digits)\n";
        return 2;
      }
      if (!o->city_key.empty()) {
        auto city = keys::read_public(o->city_key, keys::Kind::city);
        print(name, city.problems);
        if (!city.ok()) return 1;
        opt.city_key = city.value;
      }
      // With --key on a writable ledger the check is recorded; otherwise it only reads.
      const std::string path = ledger_path(o->c.ledger);
      const bool record = !o->c.key.empty() && !not_writable(path);
      std::unique_ptr<Session> s;
      std::optional<ledger::Ledger> copy;
      if (record) {
        if (!(s = open_session(name, o->c))) return 1;
      } else if (!(copy = open_read_only(name, o->c.ledger))) {
        return 1;
      }
      const auto& l = record ? s->ledger : *copy;
      auto r = l.verify_audit(opt);
      print(name, r.problems);
      if (!r.ok()) return 1;
      std::cout << (o->json ? ledger::to_json(r.value) : ledger::to_text(r.value));
      if (record) print(name, s->ledger.record_audit_check(r.value, s->actor));
      return r.value.ok() ? 0 : 1;
    };
  });
  add_query(*audit, action, "head", "Print SEQ:HASH of the newest audit record (read-only, no key)",
            "print {\"seq\", \"hash\", \"head\"} as JSON", [](const ledger::Ledger& l, bool json) {
              const auto h = l.head();
              return json ? "{\"seq\":" + std::to_string(h.seq) + ",\"hash\":\"" + h.hash + "\",\"head\":\"" + h.text() + "\"}\n"
                          : h.text() + "\n";
            });
}

}  // namespace tsuchi::cli
