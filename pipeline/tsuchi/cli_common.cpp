#include <cstdlib>
#include <filesystem>
#include <iostream>

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

}  // namespace tsuchi::cli
