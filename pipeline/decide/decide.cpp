#include "decide/decide.hpp"
