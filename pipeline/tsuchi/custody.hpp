// Internal to pipeline/tsuchi: the plumbing every ledger command shares (cmd_ledger.cpp defines it;
// cmd_review.cpp uses it), so options, messages and the "ledger must exist" rule read the same.
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "ledger/ledger.hpp"
#include "tsuchi/commands.hpp"
#include "text/text.hpp"

namespace tsuchi::cli {

// Options every custody command shares: --ledger, --as, and (optionally) --municipality.
struct Common {
  std::string ledger, as, municipality;
};
void add_common(CLI::App& cmd, Common& c, bool with_municipality = true,
                const std::string& municipality_help = "municipality.toml: [roles], [office_hours], due days");

// Diagnostics on stderr; those without a file are prefixed with "tsuchi COMMAND".
void print(const std::string& command, const Diagnostics& ds);

// The ledger must already exist: only `tsuchi run` creates one, so a mistyped path is caught.
std::optional<ledger::Ledger> open_existing(const std::string& command, const Common& c);

// The fonts of fonts/fonts.toml for supervisor documents; nullptr after printing the problem.
std::unique_ptr<text::TextEngine> text_engine(const std::string& command);

}  // namespace tsuchi::cli
