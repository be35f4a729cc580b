// The person at the terminal: what the command line asks them directly, kept out of the stages so
// identity and everything else work the same without a TTY (a later browser console, CI).
#pragma once
#include <optional>
#include <string>

#include "core/keys.hpp"

namespace tsuchi::terminal {

// True when the process has a controlling terminal to ask on (/dev/tty opens).
bool available();

// One line typed on /dev/tty with echo off after `prompt`; nullopt without a terminal or when the
// line cannot be read (end of input before a newline).
std::optional<keys::Passphrase> ask_hidden(const std::string& prompt);

}  // namespace tsuchi::terminal
