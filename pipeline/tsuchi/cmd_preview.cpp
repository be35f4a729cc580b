#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>

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
      std::filesystem::path out(o->out);
      std::error_code ec;
      std::filesystem::create_directories(out, ec);
      if (ec) {
        std::cerr << "tsuchi preview: cannot create " << o->out << ": " << ec.message() << "\n";
        return 1;
      }
      std::mutex m;
      std::map<int, std::string> lists;  // batch index → its insertion list, so the file is in mailing order
      produce::Options po;
      po.data_dir = data_dir();
      po.run_id = "PREVIEW";
      po.preview = true;
      po.pdf_date = "2000-01-01T00:00:00";
      po.threads = o->threads;
      po.my_numbers = &in.my_numbers;
      auto r = produce::produce(in, po, [&](const produce::Batch& b) -> std::string {
        if (!write_atomically((out / b.pdf_name).string(), b.pdf)) return "cannot write " + (out / b.pdf_name).string();
        std::lock_guard lock(m);
        lists[b.summary.index] = b.insertion_csv;
        return {};
      });
      print_problems(r.problems);
      if (has_errors(r.problems)) {
        std::cerr << "tsuchi preview: stopped; the files in " << o->out << " are incomplete\n";
        return 1;
      }
      std::vector<std::string> in_order;
      for (auto& [i, list] : lists) in_order.push_back(std::move(list));
      if (!write_atomically((out / "insertion.csv").string(), produce::merged_insertion_csv(in_order))) {
        std::cerr << "tsuchi preview: cannot write insertion.csv\n";
        return 1;
      }
      // Plaintext leaves the building only through a preview, so each one is on the record.
      auto ledger = ledger::Ledger::open(ledger_path(o->ledger));
      Diagnostics audit = ledger.problems;
      if (ledger.ok())
        audit = ledger.value.append_audit({o->user.empty() ? login_name() : o->user, "preview", {},
                                           "ok: " + std::to_string(r.totals.envelopes) + " envelopes, " +
                                               std::to_string(r.totals.pages) + " pages in plaintext"});
      if (has_errors(audit)) {
        print_problems(audit);
        std::error_code ec2;
        for (const auto& b : r.batches) std::filesystem::remove(out / b.pdf_name, ec2);
        std::filesystem::remove(out / "insertion.csv", ec2);
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
