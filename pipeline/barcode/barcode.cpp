#include "barcode/barcode.hpp"
