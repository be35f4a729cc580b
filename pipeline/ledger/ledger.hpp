// The ledger (SPEC §9) arrives with issue 5.
#pragma once
