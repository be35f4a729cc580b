#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "terminal/terminal.hpp"
#include "tsuchi/commands.hpp"

namespace tsuchi::cli {

void add_input_options(CLI::App& cmd, InputPaths& in) {
  cmd.add_option("--cases", in.cases, "cases.csv (UTF-8 or CP932)")->check(CLI::ExistingFile);
  cmd.add_option("--fees", in.fees, "fees.toml")->check(CLI::ExistingFile);
  cmd.add_option("--municipality", in.municipality, "municipality.toml")->check(CLI::ExistingFile);
  cmd.add_flag("--demo", in.demo, "use the sample data shipped in examples/");
  cmd.add_option("--encoding", in.encoding, "encoding of cases.csv")
      ->check(CLI::IsMember({"auto", "utf8", "cp932"}));
}

bool resolve_inputs(InputPaths& in, const std::string& command) {
  const std::string ex = data_dir() + "/examples/";
  if (in.demo) {
    if (in.cases.empty()) in.cases = ex + "cases.csv";
    if (in.fees.empty()) in.fees = ex + "fees.toml";
    if (in.municipality.empty()) in.municipality = ex + "municipality.toml";
  }
  bool ok = true;
  for (auto [flag, value] : {std::pair{"--cases", &in.cases}, {"--fees", &in.fees}, {"--municipality", &in.municipality}})
    if (value->empty()) {
      std::cerr << "tsuchi " << command << ": " << flag << " is required (or --demo)\n";
      ok = false;
    }
  return ok;
}

std::string data_dir() {
  if (const char* d = std::getenv("TSUCHI_DATA")) return d;
  return TSUCHI_DATA_DIR;
}

bool make_folder(const std::string& command, const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) std::cerr << "tsuchi " << command << ": cannot create " << path << ": " << ec.message() << "\n";
  return !ec;
}

void print_problems(const Diagnostics& ds) {
  for (const auto& d : ds) std::cerr << format(d) << "\n";
}

produce::Inputs load_inputs(const InputPaths& in) {
  const auto enc = in.encoding == "utf8"    ? ingest::Encoding::utf8
                   : in.encoding == "cp932" ? ingest::Encoding::cp932
                                            : ingest::Encoding::detect;
  return produce::load({in.cases, in.fees, in.municipality, enc}, data_dir());
}

Checked<keys::Passphrase> obtain_passphrase(const std::string& file_flag, const std::string& key_path, bool new_key) {
  auto problem = [&](std::string reason) {
    return Checked<keys::Passphrase>{{}, {Diagnostic{Diagnostic::Severity::error, key_path, 0, 0, "", "", std::move(reason)}}};
  };
  Checked<keys::Passphrase> r;
  const char* env = std::getenv("TSUCHI_PASSPHRASE_FILE");
  if (!file_flag.empty() || (env && *env)) {
    r = keys::read_passphrase_file(file_flag.empty() ? std::string(env) : file_flag);
  } else {
    if (!terminal::available())
      return problem("no passphrase: there is no terminal to ask on; pass --passphrase-file F or set $TSUCHI_PASSPHRASE_FILE");
    auto first = terminal::ask_hidden("Passphrase for " + key_path + ": ");
    if (first && new_key) {
      auto again = terminal::ask_hidden("The same passphrase again: ");
      if (again && again->view() != first->view()) return problem("the two passphrases differ; nothing was written");
      if (!again) first.reset();
    }
    if (!first) return problem("no passphrase was read from the terminal");
    r.value = std::move(*first);
  }
  if (!r.ok()) return r;
  if (new_key)
    if (auto weak = keys::weak_passphrase(r.value)) return problem(*weak + "; nothing was written");
  if (r.value.empty()) return problem("the passphrase is empty");
  return r;
}

}  // namespace tsuchi::cli
