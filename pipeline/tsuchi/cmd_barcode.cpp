// `tsuchi barcode customer|store`: compute or check a barcode's data without a run (SPEC §12).
#include <iostream>
#include <memory>

#include "barcode/barcode.hpp"
#include "tsuchi/commands.hpp"

namespace tsuchi::cli {

namespace {

// Written by hand so the output is byte for byte the SPEC §12 form (a JSON library would drop the
// spaces or reorder the keys); values come from [0-9A-Z-], so nothing needs escaping.
std::string customer_json(const barcode::CustomerCode& c) {
  return "{\"data\": \"" + c.data + "\", \"check_digit\": \"" + c.check_digit + "\"}";
}

void add_customer(CLI::App& parent, Action& action) {
  struct Opts {
    std::string postal_code, address;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = parent.add_subcommand("customer", "Japan Post customer barcode data (カスタマバーコード) for an address");
  cmd->add_option("--postal-code", o->postal_code, "7-digit postal code, hyphen optional")->required();
  cmd->add_option("--address", o->address, "the whole address, building after a space")->required();
  cmd->add_flag("--json", o->json, "print {\"data\": ..., \"check_digit\": ...} on stdout");
  cmd->callback([o, &action] {
    action = [o] {
      // Neither the postcode nor the address is echoed: both are part of a person's address.
      const auto postcode = barcode::normalize_postal_code(o->postal_code);
      if (!postcode) {
        std::cerr << "tsuchi barcode customer: --postal-code must be 7 digits, hyphen optional (e.g. 263-0023)\n";
        return 1;
      }
      const auto code = barcode::customer_code(*postcode, o->address);
      if (!code) {
        std::cerr << "tsuchi barcode customer: no customer barcode applies: a postcode ending in 00 is a town's "
                     "representative number\n";
        return 1;
      }
      if (o->json)
        std::cout << customer_json(*code) << "\n";
      else
        std::cout << "data: " << code->data << "\ncheck_digit: " << code->check_digit << "\n";
      return 0;
    };
  });
}

void add_store(CLI::App& parent, Action& action) {
  struct Opts {
    std::string digits;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = parent.add_subcommand("store", "Check a 44-digit convenience-store (GS1-128, AI 91) payload");
  cmd->add_option("--digits", o->digits, "the 44 digits, AI 91 included, check digit last")->required();
  cmd->callback([o, &action] {
    action = [o] {
      const std::string& d = o->digits;
      const bool shape = d.size() == 44 && d.find_first_not_of("0123456789") == std::string::npos;
      if (!shape || !d.starts_with("91")) {
        std::cerr << "tsuchi barcode store: --digits must be 44 digits starting with the AI 91\n";
        return 1;
      }
      const char cd = barcode::store_check_digit(d.substr(0, 43));
      if (!barcode::store_payload_valid(d)) {
        std::cerr << "tsuchi barcode store: check digit is " << d[43] << ", should be " << cd << "\n";
        return 1;
      }
      const auto [line1, line2] = barcode::store_human_readable(d);
      std::cout << "issuer: " << d.substr(2, 6) << "\nfree_field: " << d.substr(8, 21) << "\nreissue: " << d[29]
                << "\ndeadline: 20" << d.substr(30, 2) << "-" << d.substr(32, 2) << "-" << d.substr(34, 2)
                << "\nrevenue_stamp: " << d[36] << "\namount: " << std::stol(d.substr(37, 6))
                << "\ncheck_digit: " << cd << "\nprinted:\n  " << line1 << "\n  " << line2 << "\n";
      return 0;
    };
  });
}

}  // namespace

void add_barcode(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand("barcode", "Barcode data: Japan Post customer barcode, convenience-store payload");
  cmd->require_subcommand(1);
  add_customer(*cmd, action);
  add_store(*cmd, action);
}

}  // namespace tsuchi::cli
