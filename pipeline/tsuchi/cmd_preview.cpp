#include <iostream>

#include "ledger/ledger.hpp"
#include "tsuchi/commands.hpp"

namespace tsuchi::cli {

void add_preview(CLI::App& app, Action& action) {
  struct Opts {
    InputPaths in;
    std::string out, user, ledger;
    int threads = 0;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("preview", "Staff proof: plaintext PDFs and insertion.csv (audited)");
  add_input_options(*cmd, o->in);
  cmd->add_option("--out", o->out, "output folder")->required();
  cmd->add_option("--threads", o->threads, "worker threads (default: all cores)");
  cmd->add_option("--as", o->user, "acting user (default: the login name)");
  cmd->add_option("--ledger", o->ledger, "ledger file for the audit record (default: $TSUCHI_LEDGER or ./tsuchi-ledger.sqlite)");
  cmd->callback([o, &action] {
    action = [o] {
      if (!resolve_inputs(o->in, "preview")) return 2;
      auto in = load_inputs(o->in);
      print_problems(in.problems);
      if (has_errors(in.problems)) {
        std::cerr << "tsuchi preview: the inputs have errors; nothing was rendered\n";
        return 1;
      }
      if (!make_folder("preview", o->out)) return 1;
      auto [r, listed] = produce::preview(in, data_dir(), o->threads, o->out);
      print_problems(r.problems);
      if (has_errors(r.problems)) {
        std::cerr << "tsuchi preview: stopped; the files in " << o->out << " are incomplete\n";
        return 1;
      }
      if (!listed) {
        std::cerr << "tsuchi preview: cannot write insertion.csv\n";
        return 1;
      }
      auto ledger = ledger::Ledger::open(ledger_path(o->ledger));
      const Diagnostics audit =
          ledger.ok() ? ledger.value.record_preview(o->user.empty() ? login_name() : o->user, r.totals) : ledger.problems;
      if (has_errors(audit)) {
        print_problems(audit);
        produce::remove_preview(r, o->out);
        std::cerr << "tsuchi preview: the preview could not be audited, so its files were removed\n";
        return 1;
      }
      std::cerr << "tsuchi preview: " << r.totals.envelopes << " envelopes, " << r.totals.notices << " notices, "
                << r.totals.slips << " slips, " << r.totals.pages << " pages in " << r.batches.size() << " PDF(s) under " << o->out << "\n";
      return 0;
    };
  });
}

}  // namespace tsuchi::cli
