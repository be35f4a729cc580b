// The text engine over the project's fonts, for the tests of the stages that set or read text.
#pragma once
#include <doctest/doctest.h>

#include "text/text.hpp"

// Loaded once per test binary: opening the 46 MB IPAmj file per case is wasteful.
inline const tsuchi::text::TextEngine& engine() {
  static const auto loaded = tsuchi::text::TextEngine::load(TSUCHI_DATA_DIR "/fonts/fonts.toml");
  REQUIRE_MESSAGE(loaded.ok(), (loaded.problems.empty() ? "" : tsuchi::format(loaded.problems[0])));
  return *loaded.value;
}
