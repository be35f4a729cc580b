#include "typeset/text.hpp"
