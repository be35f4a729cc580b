// Seal: print files into encrypted, signed, self-checking batches for the contractor (SPEC §7).
#pragma once
#include "core/core.hpp"
