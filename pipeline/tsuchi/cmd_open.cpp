#include "tsuchi/commands.hpp"

namespace tsuchi::cli {
void add_open(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand("open", "(not built yet)");
  cmd->callback([&action] { action = [] { std::cerr << "tsuchi: not built yet\n"; return 2; }; });
}
}  // namespace tsuchi::cli
