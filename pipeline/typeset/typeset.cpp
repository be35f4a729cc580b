#include "typeset/typeset.hpp"
