#include <filesystem>
#include <iostream>

#include "core/file.hpp"

#include "ledger/ledger.hpp"
#include "seal/seal.hpp"
#include "tsuchi/commands.hpp"

namespace tsuchi::cli {

// `tsuchi run IN --out DIR --key ME.secret [--contractor-key F]` (SPEC §12, §13): the configuration
// is the ledger's pinned one, the maker (staff) signs each manifest and the run's release request.
void add_run(CLI::App& app, Action& action) {
  struct Opts {
    InputPaths in;
    Common c;
    std::string out, signing_key, contractor_key, run_id, month;
    int threads = 0;
    bool write_key = false;
    terminal::Verbosity verbosity = terminal::Verbosity::normal;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("run", "Validate, decide, typeset, render, preflight and seal the batches");
  add_input_options(*cmd, o->in);
  add_common(*cmd, o->c, false);
  cmd->add_option("--out", o->out, "output folder for the sealed batches")->required();
  cmd->add_option("--signing-key", o->signing_key)->group("");  // removed: refused below
  cmd->add_option("--contractor-key", o->contractor_key,
                  "contractor's public key (default: [keys] contractor_public_key of the pinned configuration)");
  cmd->add_option("--run-id", o->run_id, "run id (default: R + the office's date, e.g. R20250901, then -2, -3, …)");
  cmd->add_flag("--write-key", o->write_key,
                "also write each B.key (the passphrase in clear) beside B.key.sealed; without a contractor key "
                "B.key is always written");
  cmd->add_option("--threads", o->threads, "worker threads (default: all cores)");
  add_verbosity(*cmd, o->verbosity);
  cmd->add_option("--month", o->month,
                  "the month this run is for, YYYY-MM, within the cases' periods (default: this month at the office)");
  cmd->callback([o, &action] {
    action = [o] {
      if (!resolve_inputs(o->in, "run", true)) return 2;
      if (!o->month.empty() && !parse_year_month(o->month)) {
        std::cerr << "tsuchi run: --month \"" << o->month << "\": use YYYY-MM\n";
        return 2;
      }
      if (!o->run_id.empty() && !produce::valid_run_id(o->run_id)) {
        std::cerr << "tsuchi run: --run-id \"" << o->run_id << "\": use letters, digits, '-' and '_' only\n";
        return 2;
      }
      if (auto code = refuse_removed("run", o->c)) return *code;
      if (!o->signing_key.empty()) {
        std::cerr << "tsuchi run: --signing-key is gone: the maker's --key signs the manifests\n";
        return 1;
      }
      auto s = open_session("run", o->c, {keys::Role::staff});
      if (!s) return 1;
      const auto pinned = s->ledger.config();
      if (!matches_pinned("run", o->in, pinned)) return 1;
      terminal::ProgressDisplay progress({.command = "run", .verbosity = o->verbosity});
      auto in = load_inputs(o->in, &pinned, &progress);
      print_problems(in.problems);
      if (has_errors(in.problems)) {
        std::cerr << "tsuchi run: the inputs have errors; nothing was rendered or sealed\n";
        return 1;
      }
      // Office time (the pinned [office_hours] utc_offset), never the process's TZ.
      const Date today = office_today(in.municipality.office_hours.utc_offset_minutes);
      const std::string month = o->month.empty() ? today.year_month().iso() : o->month;
      const bool told = !o->month.empty();
      const auto asked = *parse_year_month(month);
      if (auto why = ingest::month_outside(in.cases, asked, told ? "--month" : "this month at the office"); !why.empty()) {
        std::cerr << "tsuchi run: " << (told ? why + "; nothing was rendered or sealed\n"
                                             : "warning: " + why + "; pass --month for the month this run is for\n");
        if (told) return 1;
      }
      auto& ledger = s->ledger;
      // One folder per run: an empty or missing --out, only ever entered by its owner.
      if (!file::empty_or_missing(o->out)) {
        std::cerr << "tsuchi run: --out " << o->out << " is not empty: each run goes into a new, empty folder\n";
        return 1;
      }
      if (!make_folder("run", o->out)) return 1;
      // The maker's key moves into the sealer, which signs the manifests; the run's record is signed with it there.
      auto sealing = seal::load_keys(std::move(s->key),
                                     o->contractor_key.empty() ? in.municipality.contractor_public_key : o->contractor_key);
      if (!sealing.ok()) {
        print_problems(sealing.problems);
        return 1;
      }
      sealing.value.write_key = o->write_key;
      const bool sealed_key = !sealing.value.contractor_public.empty();
      s->actor.key = &sealing.value.maker;
      // Reserved before anything is rendered. Without --run-id the ledger takes the first free of
      // today's id, -2, -3, …, so runs started together never share an id or touch each other's files.
      std::error_code ec;
      const std::string out_abs = std::filesystem::absolute(o->out, ec).lexically_normal().string();
      const bool exact = !o->run_id.empty();
      const std::string wanted = exact ? o->run_id : produce::default_run_id(today, [](const std::string&) { return false; });
      auto reserved = ledger.reserve_run(s->actor, wanted, ec ? o->out : out_abs, exact);
      print("run", reserved.problems);
      if (!reserved.ok()) return 1;
      const std::string run_id = reserved.value;

      const std::string user = s->actor.user;
      seal::RunSealer sealer(o->out, run_id, ledger::utc_now(), std::move(sealing.value), &in.my_numbers);
      s->actor.key = &sealer.maker_key();
      const produce::Options po{.data_dir = data_dir(), .run_id = run_id, .pdf_date = produce::pdf_date_of(run_id),
                                .threads = o->threads, .progress = &progress, .my_numbers = &in.my_numbers};
      auto r = produce::produce(in, po, [&](produce::Batch& b) {
        // Moved, not copied: a print file is held once on its way into the archive.
        return sealer.seal(b.summary, {{b.pdf_name, std::move(b.pdf)}, {"insertion.csv", std::move(b.insertion_csv)}});
      });
      print_problems(r.problems);
      if (has_errors(r.problems)) {
        sealer.abandon();
        std::cerr << "tsuchi run: stopped; no batch of run " << run_id << " was left in " << o->out
                  << " (the id stays reserved; run again into a new folder)\n";
        return 1;
      }
      if (!sealer.publish(r.take_summaries(), user, in.problems)) {
        std::cerr << "tsuchi run: cannot write run.json in " << o->out << "\n";
        return 1;
      }
      // Recorded last: a run the ledger knows is one whose files are all in place.
      if (auto problems = ledger.record_run(sealer.record(user, month), s->actor); has_errors(problems)) {
        print_problems(problems);
        sealer.remove();
        std::cerr << "tsuchi run: the ledger refused the run; its batches were removed\n";
        return 1;
      }
      const auto& t = r.totals;
      std::cerr << "tsuchi run: " << run_id << ": " << r.batches.size() << " batch(es), " << t.envelopes
                << " envelopes, " << t.notices << " notices, " << t.slips << " slips, " << t.pages << " pages; "
                << "made and signed by " << user << ", to be reviewed and approved by an approver\n";
      // Where the run is and what comes next, so a clerk never has to look it up.
      std::cerr << "tsuchi run: output folder: " << (ec ? o->out : out_abs) << "\n"
                << "tsuchi run: next: tsuchi review " << (ec ? o->out : out_abs)
                << " (the review sheet), then an approver other than " << user << ": tsuchi approve "
                << (ec ? o->out : out_abs) << "\n";
      if (!sealed_key)
        std::cerr << "tsuchi run: no contractor key is configured: each B.key (the passphrase in clear) was written "
                     "and is the only way to open its batch; send it by a separate route\n";
      else if (o->write_key)
        std::cerr << "tsuchi run: --write-key: each B.key (the passphrase in clear) was written beside B.key.sealed; "
                     "never send it with the folder\n";
      return 0;
    };
  });
}

}  // namespace tsuchi::cli
