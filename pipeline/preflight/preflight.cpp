#include "preflight/preflight.hpp"
