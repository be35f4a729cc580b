// `tsuchi review RUN_DIR` (SPEC §8) and `tsuchi certificate form BATCH` (SPEC §9): supervisor
// documents from the ledger. Both write their files atomically and append an audit record.

#include <filesystem>
#include <iostream>
#include <memory>

#include "core/digest.hpp"
#include "ledger/ledger.hpp"
#include "report/report.hpp"
#include "seal/seal.hpp"
#include "tsuchi/commands.hpp"
#include "text/text.hpp"

namespace tsuchi::cli {

namespace {

namespace fs = std::filesystem;

// With --municipality the user must hold a role; a refusal is audited like the ledger's own.
bool allowed(const std::string& command, const Common& c, ledger::Ledger& l, const std::string& user,
             const std::vector<std::string>& objects) {
  if (c.municipality.empty()) return true;
  auto p = ledger::load_policy(c.municipality);
  if (!p.ok()) {
    print(command, p.problems);
    return false;
  }
  if (p.value.has_any_role(user)) return true;
  std::cerr << "tsuchi " << command << ": user " << user << " has no role in " << c.municipality << "\n";
  print(command, l.append_audit({user, command, objects, "refused: no role"}));
  return false;
}

}  // namespace

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
  add_common(*cmd, o->c, true, "municipality.toml: [roles] (and the office printed on forms)");
  cmd->add_option("--fees", o->fees, "fees.toml: also check every amount against the schedule in force")
      ->check(CLI::ExistingFile);
  cmd->callback([o, &action] {
    action = [o] {
      const std::string name = "review";
      const fs::path dir(o->run_dir);
      const auto run = seal::read_run_json(o->run_dir);
      if (!run) {
        std::cerr << (dir / "run.json").string() << ": error: cannot read run_id (is this a run folder?)\n";
        return 1;
      }
      const std::string& run_id = run->run_id;
      auto l = open_existing(name, o->c);
      if (!l) return 1;
      const std::string user = o->c.as.empty() ? login_name() : o->c.as;
      if (!allowed(name, o->c, *l, user, {"run:" + run_id})) return 1;

      std::optional<ingest::FeeSchedules> fees;
      if (!o->fees.empty()) {
        auto f = ingest::load_fees(o->fees);
        print(name, f.problems);
        if (!f.ok()) return 1;
        fees = std::move(f.value);
      }
      report::ReviewOptions opt{fees ? &*fees : nullptr, user, ledger::utc_now()};
      auto sheet = report::review_sheet(*l, run_id, opt);
      if (!sheet.ok()) {
        print(name, sheet.problems);
        print(name, l->append_audit({user, name, {"run:" + run_id}, "refused: unknown run"}));
        return 1;
      }
      sheet.value.input_warnings = run->warnings;
      auto te = text_engine(name);
      if (!te) return 1;
      const std::string text = report::to_text(sheet.value);
      auto pdf = report::review_pdf(sheet.value, *te);
      if (!pdf.ok()) {
        print(name, pdf.problems);
        return 1;
      }
      // review.txt last: it is the sheet approve checks, so it appears only with its PDF beside it.
      if (!write_atomically((dir / "review.pdf").string(), pdf.value) || !write_atomically((dir / "review.txt").string(), text)) {
        std::cerr << "tsuchi review: cannot write review.txt / review.pdf in " << o->run_dir << "\n";
        return 1;
      }
      const std::string sha = digest::sha256_hex(text);
      if (auto ds = l->record_review(run_id, sha, user); has_errors(ds)) {
        print(name, ds);
        return 1;
      }
      std::cout << text;
      std::cerr << "tsuchi review: run " << run_id << ": " << sheet.value.anomalies.size()
                << " anomal" << (sheet.value.anomalies.size() == 1 ? "y" : "ies") << "; review.txt SHA-256 " << sha
                << " recorded for approval\n";
      return 0;
    };
  });
}

void add_certificate(CLI::App& app, Action& action) {
  struct Opts {
    Common c;
    std::string batch, out;
  };
  auto o = std::make_shared<Opts>();
  auto* cert = app.add_subcommand("certificate", "Destruction/return certificate forms (NIST SP 800-88)");
  cert->require_subcommand(1);
  auto* cmd = cert->add_subcommand("form", "Print a batch's certificate form with its QR code");
  cmd->add_option("BATCH", o->batch, "batch id")->required();
  cmd->add_option("--out", o->out, "the form, a PDF")->required();
  add_common(*cmd, o->c, true, "municipality.toml: [roles] (and the office printed on forms)");
  cmd->callback([o, &action] {
    action = [o] {
      const std::string name = "certificate form";
      auto l = open_existing(name, o->c);
      if (!l) return 1;
      const std::string user = o->c.as.empty() ? login_name() : o->c.as;
      if (!allowed(name, o->c, *l, user, {"batch:" + o->batch})) return 1;
      auto batch = l->batch(o->batch);
      if (!batch) {
        std::cerr << l->path() << ": error: no batch " << o->batch << " in the ledger\n";
        print(name, l->append_audit({user, name, {"batch:" + o->batch}, "refused: unknown batch"}));
        return 1;
      }
      report::CertificateForm form{*batch, "", "", ledger::utc_now()};
      if (!o->c.municipality.empty()) {
        auto m = ingest::load_municipality(o->c.municipality);
        print(name, m.problems);
        if (!m.ok()) return 1;
        form.addressee = m.value.mayor_title;
        form.return_to = m.value.city_name + " " + m.value.contact.department;
      }
      auto te = text_engine(name);
      if (!te) return 1;
      auto pdf = report::certificate_form_pdf(form, *te);
      if (!pdf.ok()) {
        print(name, pdf.problems);
        return 1;
      }
      if (!write_atomically(o->out, pdf.value)) {
        std::cerr << "tsuchi certificate form: cannot write " << o->out << "\n";
        return 1;
      }
      if (auto ds = l->append_audit({user, name, {"batch:" + o->batch, "file:" + digest::sha256_hex(pdf.value)}, "ok"});
          has_errors(ds)) {
        print(name, ds);
        return 1;
      }
      std::cerr << "tsuchi certificate form: " << o->out << " for batch " << o->batch << "\n";
      return 0;
    };
  });
}

}  // namespace tsuchi::cli
