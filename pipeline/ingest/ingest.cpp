#include "ingest/ingest.hpp"
