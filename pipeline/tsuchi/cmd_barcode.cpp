// `tsuchi barcode customer|store`: compute or check a barcode's data without a run (SPEC §12).
#include <memory>

#include "barcode/barcode.hpp"
#include "tsuchi/commands.hpp"

namespace tsuchi::cli {

namespace {

void add_customer(CLI::App& parent, Action& action) {
  struct Opts {
    std::string postal_code, address;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = parent.add_subcommand("customer", "Japan Post customer barcode data (カスタマバーコード) for an address");
  cmd->add_option("--postal-code", o->postal_code, "7-digit postal code, hyphen optional")->required();
  cmd->add_option("--address", o->address, "the whole address, building after a space")->required();
  cmd->callback([o, &action] {
    action = [o](Console& con) {
      // Neither the postcode nor the address is echoed: both are part of a person's address.
      const auto postcode = barcode::normalize_postal_code(o->postal_code);
      if (!postcode) return con.fail(1, "--postal-code must be 7 digits, hyphen optional (e.g. 263-0023)");
      const auto code = barcode::customer_code(*postcode, o->address);
      if (!code)
        return con.fail(1, "no customer barcode applies: a postcode ending in 00 is a town's representative number");
      // SPEC §12's two keys: the data before padding and cut, and the check digit (0-9, -, CC1-CC8).
      con.result()["data"] = code->data;
      con.result()["check_digit"] = code->check_digit;
      con.say("data: " + code->data + "\ncheck_digit: " + code->check_digit + "\n");
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
    action = [o](Console& con) {
      const std::string& d = o->digits;
      const bool shape = d.size() == 44 && d.find_first_not_of("0123456789") == std::string::npos;
      if (!shape || !d.starts_with("91")) return con.fail(1, "--digits must be 44 digits starting with the AI 91");
      const char cd = barcode::store_check_digit(d.substr(0, 43));
      con.result()["valid"] = barcode::store_payload_valid(d);
      if (!barcode::store_payload_valid(d))
        return con.fail(1, std::string("check digit is ") + d[43] + ", should be " + cd);
      const auto [line1, line2] = barcode::store_human_readable(d);
      const std::string deadline = "20" + d.substr(30, 2) + "-" + d.substr(32, 2) + "-" + d.substr(34, 2);
      auto& r = con.result();
      r["issuer"] = d.substr(2, 6);
      r["free_field"] = d.substr(8, 21);
      r["reissue"] = std::string(1, d[29]);
      r["deadline"] = deadline;
      r["revenue_stamp"] = std::string(1, d[36]);
      r["amount"] = std::stol(d.substr(37, 6));
      r["check_digit"] = std::string(1, cd);
      r["printed"] = Json::array({line1, line2});
      con.say("issuer: " + d.substr(2, 6) + "\nfree_field: " + d.substr(8, 21) + "\nreissue: " + d[29] +
              "\ndeadline: " + deadline + "\nrevenue_stamp: " + d[36] + "\namount: " + std::to_string(std::stol(d.substr(37, 6))) +
              "\ncheck_digit: " + cd + "\nprinted:\n  " + line1 + "\n  " + line2 + "\n");
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
