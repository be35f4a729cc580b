#include <filesystem>

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
  cmd->add_option("--month", o->month,
                  "the month this run is for, YYYY-MM, within the cases' periods (default: this month at the office)");
  cmd->callback([o, &action] {
    action = [o](Console& con) {
      if (!resolve_inputs(o->in, con, true)) return 2;
      if (!o->month.empty() && !parse_year_month(o->month)) return con.fail(2, "--month \"" + o->month + "\": use YYYY-MM");
      if (!o->run_id.empty() && !produce::valid_run_id(o->run_id))
        return con.fail(2, "--run-id \"" + o->run_id + "\": use letters, digits, '-' and '_' only");
      if (auto code = refuse_removed(con, o->c)) return *code;
      if (!o->signing_key.empty()) return con.fail(1, "--signing-key is gone: the maker's --key signs the manifests");
      auto s = open_session(con, o->c, {keys::Role::staff});
      if (!s) return 1;
      const auto pinned = s->ledger.config();
      if (!matches_pinned(con, o->in, pinned)) return 1;
      terminal::ProgressDisplay progress({.command = con.command(), .verbosity = verbosity(con.output())});
      auto in = load_inputs(o->in, &pinned, &progress);
      con.report(in.problems);
      if (has_errors(in.problems)) return con.fail(1, "the inputs have errors; nothing was rendered or sealed");
      // Office time (the pinned [office_hours] utc_offset), never the process's TZ.
      const Date today = office_today(in.municipality.office_hours.utc_offset_minutes);
      const std::string month = o->month.empty() ? today.year_month().iso() : o->month;
      const bool told = !o->month.empty();
      const auto asked = *parse_year_month(month);
      if (auto why = ingest::month_outside(in.cases, asked, told ? "--month" : "this month at the office"); !why.empty()) {
        if (told) return con.fail(1, why + "; nothing was rendered or sealed");
        con.report({Diagnostic{Diagnostic::Severity::warning, "", 0, 0, "", "",
                               why + "; pass --month for the month this run is for"}});
      }
      auto& ledger = s->ledger;
      // One folder per run: an empty or missing --out, only ever entered by its owner.
      if (!file::empty_or_missing(o->out))
        return con.fail(1, "--out " + o->out + " is not empty: each run goes into a new, empty folder");
      if (!make_folder(con, o->out)) return 1;
      // The maker's key moves into the sealer, which signs the manifests; the run's record is signed with it there.
      auto sealing = seal::load_keys(std::move(s->key),
                                     o->contractor_key.empty() ? in.municipality.contractor_public_key : o->contractor_key);
      con.report(sealing.problems);
      if (!sealing.ok()) return 1;
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
      con.report(reserved.problems);
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
      con.report(r.problems);
      if (has_errors(r.problems)) {
        sealer.abandon();
        return con.fail(1, "stopped; no batch of run " + run_id + " was left in " + o->out +
                               " (the id stays reserved; run again into a new folder)");
      }
      std::vector<std::string> batch_ids;
      for (const auto& b : r.batches) batch_ids.push_back(b.summary.batch_id);
      if (!sealer.publish(r.take_summaries(), user, in.problems)) return con.fail(1, "cannot write run.json in " + o->out);
      // Recorded last: a run the ledger knows is one whose files are all in place.
      if (auto problems = ledger.record_run(sealer.record(user, month), s->actor); has_errors(problems)) {
        con.report(problems);
        sealer.remove();
        return con.fail(1, "the ledger refused the run; its batches were removed");
      }
      const auto& t = r.totals;
      const std::string folder = ec ? o->out : out_abs;
      auto& j = con.result();
      j["run_id"] = run_id;
      j["out"] = folder;
      j["month"] = month;
      j["batches"] = batch_ids;
      j["envelopes"] = t.envelopes;
      j["notices"] = t.notices;
      j["slips"] = t.slips;
      j["pages"] = t.pages;
      j["made_by"] = user;
      j["key_files_written"] = !sealed_key || o->write_key;
      j["next"] = Json::array({"tsuchi review " + folder, "tsuchi approve " + folder});
      con.note(run_id + ": " + std::to_string(r.batches.size()) + " batch(es), " + std::to_string(t.envelopes) +
               " envelopes, " + std::to_string(t.notices) + " notices, " + std::to_string(t.slips) + " slips, " +
               std::to_string(t.pages) + " pages; made and signed by " + user +
               ", to be reviewed and approved by an approver");
      // Where the run is and what comes next, so a clerk never has to look it up.
      con.note("output folder: " + folder);
      con.note("next: tsuchi review " + folder + " (the review sheet), then an approver other than " + user +
               ": tsuchi approve " + folder);
      if (!sealed_key)
        con.note("no contractor key is configured: each B.key (the passphrase in clear) was written and is the only "
                 "way to open its batch; send it by a separate route");
      else if (o->write_key)
        con.note("--write-key: each B.key (the passphrase in clear) was written beside B.key.sealed; never send it "
                 "with the folder");
      return 0;
    };
  });
}

}  // namespace tsuchi::cli
