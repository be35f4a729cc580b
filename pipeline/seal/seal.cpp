#include "seal/seal.hpp"
