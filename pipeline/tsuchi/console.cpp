// One command's conversation with its user (output_spec/json.md): human lines on stderr, and with
// --json one document on stdout that a script can rely on whatever happened.
#include <iostream>

#include "core/file.hpp"
#include "core/mynumber.hpp"
#include "tsuchi/commands.hpp"

namespace tsuchi::cli {

namespace {

Json problem_object(const Diagnostic& d) {
  auto text_or_null = [](const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); };
  auto number_or_null = [](int n) { return n > 0 ? Json(n) : Json(nullptr); };
  return Json{{"severity", d.severity == Diagnostic::Severity::error ? "error" : "warning"},
              {"file", text_or_null(d.file)},
              {"line", number_or_null(d.line)},
              {"column", number_or_null(d.column)},
              {"column_name", text_or_null(d.column_name)},
              // Masked as on stderr (core::format): a 12-digit My Number never leaves in a message.
              {"value", text_or_null(mynumber::mask(d.value))},
              {"reason", mynumber::mask(d.reason)}};
}

}  // namespace

std::string schema_of(const std::string& command) {
  if (command == "tsuchi") return "tsuchi/" + std::to_string(kSchemaVersion);  // no command was parsed
  std::string name = "tsuchi.";
  for (const char c : command) name += c == ' ' ? '.' : c;
  return name + "/" + std::to_string(kSchemaVersion);
}

Json problems_json(const Diagnostics& ds) {
  Json list = Json::array();
  for (const auto& d : ds) list.push_back(problem_object(d));
  return list;
}

Console::Console(std::string command, const Output& out) : command_(std::move(command)), out_(out) {}

std::string Console::prefix() const { return command_ == "tsuchi" ? "tsuchi: " : "tsuchi " + command_ + ": "; }

void Console::report(const Diagnostics& ds) {
  for (const auto& d : ds) {
    std::cerr << (d.file.empty() ? prefix().substr(0, prefix().size() - 2) + format(d) : format(d)) << "\n";
    problems_.push_back(d);
  }
}

void Console::error(std::string reason, std::string file) {
  Diagnostic d;
  d.file = std::move(file);
  d.reason = std::move(reason);
  // The command's own verdict reads "tsuchi approve: refused; …", as a sentence, not a located problem.
  if (d.file.empty())
    std::cerr << prefix() << d.reason << "\n";
  else
    std::cerr << format(d) << "\n";
  problems_.push_back(std::move(d));
}

int Console::fail(int code, std::string reason, std::string file) {
  error(std::move(reason), std::move(file));
  return code;
}

void Console::note(const std::string& text) {
  if (!out_.quiet) std::cerr << prefix() << text << "\n";
}

void Console::say(const std::string& text) {
  if (!out_.quiet) std::cerr << text;
}

int Console::finish(int code) {
  if (!out_.json && out_.json_file.empty()) return code;
  Json doc;
  doc["schema"] = schema_of(command_);
  doc["command"] = command_;
  doc["ok"] = code == 0;
  doc["exit_code"] = code;
  for (auto& [key, value] : result_.items())
    if (key != "schema" && key != "command" && key != "ok" && key != "exit_code" && key != "errors" && key != "warnings")
      doc[key] = value;
  Diagnostics errors, warnings;
  for (const auto& d : problems_) (d.severity == Diagnostic::Severity::error ? errors : warnings).push_back(d);
  // A failure with no located problem still says why, as an object.
  if (code != 0 && errors.empty()) errors.push_back({Diagnostic::Severity::error, "", 0, 0, "", "", "failed"});
  doc["errors"] = problems_json(errors);
  doc["warnings"] = problems_json(warnings);
  const std::string text = doc.dump(2) + "\n";
  if (out_.json) std::cout << text << std::flush;
  if (!out_.json_file.empty() && !file::write_atomically(out_.json_file, text)) {
    std::cerr << prefix() << "cannot write --json-file " << out_.json_file << "\n";
    if (code == 0) return 1;
  }
  return code;
}

}  // namespace tsuchi::cli

namespace tsuchi::cli {

void add_output_flags(CLI::App& app, Output& out) {
  const auto subs = app.get_subcommands([](const CLI::App*) { return true; });
  for (auto* sub : subs) add_output_flags(*sub, out);
  if (!subs.empty() || app.get_parent() == nullptr) return;
  app.add_flag("--json", out.json, "print one JSON document on stdout (output_spec/json.md)")->group("Output");
  app.add_option("--json-file", out.json_file, "also write that JSON document to this file")->group("Output");
  auto* quiet = app.add_flag("--quiet,-q", out.quiet, "no progress and no information lines; problems still shown")
                    ->group("Output");
  app.add_flag("--verbose,-v", out.verbose, "more detail: stage lines on a terminal too, one line per batch")
      ->group("Output")
      ->excludes(quiet);
}

std::string parsed_command(const CLI::App& app) {
  std::string name;
  const CLI::App* at = &app;
  for (;;) {
    const auto parsed = at->get_subcommands();
    if (parsed.empty()) break;
    at = parsed.front();
    name += (name.empty() ? "" : " ") + at->get_name();
  }
  return name.empty() ? "tsuchi" : name;
}

}  // namespace tsuchi::cli
