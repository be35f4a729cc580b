// Custody commands (SPEC §8, §9, §12): approve, handover, import receipt|worklog|returns|certificate,
// reconcile, audit verify. Each opens the ledger, acts in one transaction with its audit record,
// and turns problems into messages on stderr and exit codes; reports go to stdout.
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>

#include "ledger/ledger.hpp"
#include "report/report.hpp"
#include "tsuchi/commands.hpp"
#include "text/text.hpp"

namespace tsuchi::cli {

std::string ledger_path(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("TSUCHI_LEDGER"); env && *env) return env;
  return "tsuchi-ledger.sqlite";
}

void add_common(CLI::App& cmd, Common& c, bool with_municipality, const std::string& municipality_help) {
  cmd.add_option("--ledger", c.ledger, "ledger file (default: $TSUCHI_LEDGER or ./tsuchi-ledger.sqlite)");
  cmd.add_option("--as", c.as, "acting user id (default: the login name)");
  if (with_municipality) cmd.add_option("--municipality", c.municipality, municipality_help)->check(CLI::ExistingFile);
}

void print(const std::string& command, const Diagnostics& ds) {
  for (const auto& d : ds)
    std::cerr << (d.file.empty() ? "tsuchi " + command + format(d) : format(d)) << "\n";
}

std::optional<ledger::Ledger> open_existing(const std::string& command, const Common& c) {
  std::string path = ledger_path(c.ledger);
  if (!std::filesystem::exists(path)) {
    std::cerr << "tsuchi " << command << ": no ledger at " << path
              << " (give --ledger PATH or set TSUCHI_LEDGER; `tsuchi run` creates it)\n";
    return std::nullopt;
  }
  auto l = ledger::Ledger::open(path);
  if (!l.ok()) {
    print(command, l.problems);
    return std::nullopt;
  }
  return std::move(l.value);
}

std::unique_ptr<text::TextEngine> text_engine(const std::string& command) {
  auto te = text::TextEngine::load(data_dir() + "/fonts/fonts.toml");
  if (!te.ok()) {
    print(command, te.problems);
    return nullptr;
  }
  return std::move(te.value);
}

std::optional<ledger::Actor> actor(const std::string& command, const Common& c) {
  auto who = ledger::load_actor(c.as.empty() ? login_name() : c.as, c.municipality);
  if (!who.ok()) print(command, who.problems);
  return who.ok() ? std::optional(std::move(who.value)) : std::nullopt;
}

namespace {

int finish(const std::string& command, const Diagnostics& ds, const std::string& done) {
  print(command, ds);
  if (has_errors(ds)) {
    std::cerr << "tsuchi " << command << ": refused\n";
    return 1;
  }
  std::cerr << "tsuchi " << command << ": " << done << "\n";
  return 0;
}

void add_import_file(CLI::App& parent, Action& action, const char* kind, const char* help) {
  struct Opts {
    Common c;
    std::string file;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = parent.add_subcommand(kind, help);
  cmd->add_option("FILE", o->file, "UTF-8 CSV with a header row (output_spec/contractor-files.md)")
      ->required()
      ->check(CLI::ExistingFile);
  add_common(*cmd, o->c);
  std::string name = std::string("import ") + kind;
  cmd->callback([o, &action, name, kind = std::string(kind)] {
    action = [o, name, kind] {
      auto l = open_existing(name, o->c);
      auto who = actor(name, o->c);
      if (!l || !who) return 1;
      auto r = kind == "receipt"   ? l->import_receipt(o->file, *who)
               : kind == "worklog" ? l->import_worklog(o->file, *who)
                                   : l->import_returns(o->file, *who);
      return finish(name, r.problems, std::to_string(r.value.rows) + " row(s) recorded");
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
  cmd->callback([o, &action] {
    action = [o] {
      const std::string name = "import certificate";
      auto l = open_existing(name, o->c);
      auto who = actor(name, o->c);
      if (!l || !who) return 1;
      if (o->quantity >= 0) o->req.quantity = o->quantity;
      auto r = report::import_certificate(*l, o->req, *who);
      return finish(name, r.problems,
                    "certificate recorded for batch " + (r.value.batches.empty() ? std::string() : r.value.batches[0]) +
                        (o->req.batch_id.empty() ? " (matched by the form's QR code)" : ""));
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
  auto* cmd = app.add_subcommand("approve", "Release a run after its review sheet (a second person, approver role)");
  cmd->add_option("RUN_DIR", o->run_dir, "the run's output folder (run.json, review.txt, manifests)")
      ->required()
      ->check(CLI::ExistingDirectory);
  add_common(*cmd, o->c);
  cmd->callback([o, &action] {
    action = [o] {
      auto l = open_existing("approve", o->c);
      auto who = actor("approve", o->c);
      if (!l || !who) return 1;
      return finish("approve", l->approve(o->run_dir, *who), "run approved by " + who->user);
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
      auto l = open_existing("handover", o->c);
      auto who = actor("handover", o->c);
      if (!l || !who) return 1;
      return finish("handover", l->handover(o->batch, *who, o->route, o->media), "batch " + o->batch + " handed over");
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
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("reconcile", "Sealed vs mailed vs returned, spoilage vs destroyed, what is overdue");
  add_common(*cmd, o->c);
  cmd->add_option("--month", o->month, "only runs of this billing month, YYYY-MM");
  cmd->add_option("--batch", o->batch, "only this batch");
  cmd->add_option("--csv", o->csv, "also write the per-batch table to this CSV file");
  cmd->add_option("--pdf", o->pdf, "also write the report as a PDF for the file");
  cmd->add_option("--as-of", o->as_of, "judge overdue items at this day, YYYY-MM-DD (default today)");
  cmd->add_flag("--json", o->json, "print the report as JSON on stdout");
  cmd->callback([o, &action] {
    action = [o] {
      ledger::ReconcileQuery q{o->month, o->batch, std::nullopt};
      if (!o->month.empty() && !parse_year_month(o->month)) {
        std::cerr << "tsuchi reconcile: --month \"" << o->month << "\": must be YYYY-MM\n";
        return 2;
      }
      if (!o->as_of.empty() && !(q.as_of = parse_date(o->as_of))) {
        std::cerr << "tsuchi reconcile: --as-of \"" << o->as_of << "\": must be YYYY-MM-DD\n";
        return 2;
      }
      auto l = open_existing("reconcile", o->c);
      auto who = actor("reconcile", o->c);
      if (!l || !who) return 1;
      auto r = l->reconcile(q, *who);
      print("reconcile", r.problems);
      if (!r.ok()) return 1;
      auto te = o->pdf.empty() ? nullptr : text_engine("reconcile");
      if (!o->pdf.empty() && !te) return 1;
      auto w = report::write_reconcile(r.value, o->csv, o->pdf, te.get());
      print("reconcile", w.problems);
      if (!w.ok()) return 1;
      if (!w.value.empty()) {
        std::cerr << "tsuchi reconcile: cannot write " << w.value << "\n";
        return 1;
      }
      std::cout << (o->json ? ledger::to_json(r.value) : ledger::to_text(r.value));
      return 0;
    };
  });
}

void add_audit(CLI::App& app, Action& action) {
  struct Opts {
    Common c;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* audit = app.add_subcommand("audit", "The hash-chained audit log");
  audit->require_subcommand(1);
  auto* cmd = audit->add_subcommand("verify", "Check the chain; name every edited, deleted, inserted or reordered record");
  add_common(*cmd, o->c);
  cmd->add_flag("--json", o->json, "print the report as JSON on stdout");
  cmd->callback([o, &action] {
    action = [o] {
      auto l = open_existing("audit verify", o->c);
      auto who = actor("audit verify", o->c);
      if (!l || !who) return 1;
      auto r = l->verify_audit(who->policy ? who->policy->office_hours : ledger::OfficeHours{});
      print("audit verify", r.problems);
      if (!r.ok()) return 1;
      std::cout << (o->json ? ledger::to_json(r.value) : ledger::to_text(r.value));
      print("audit verify", l->record_audit_check(r.value, who->user));
      return r.value.ok() ? 0 : 1;
    };
  });
}

}  // namespace tsuchi::cli
