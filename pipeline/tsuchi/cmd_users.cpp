// Identity (SPEC §13): `tsuchi ledger init`, `tsuchi user add|revoke|list`, `tsuchi config set`.
// Who may do what is the ledger's rule; here, options and messages.
#include <filesystem>
#include <memory>

#include "core/toml.hpp"
#include "tsuchi/commands.hpp"

namespace tsuchi::cli {

namespace {

// The configuration file's bytes and the absolute path its relative paths resolve against.
std::optional<std::pair<std::string, std::string>> read_config(Console& con, const std::string& path) {
  Diagnostics problems;
  auto text = tomlfile::read(path, problems);
  con.report(problems);
  if (!text) return std::nullopt;
  std::error_code ec;
  auto source = std::filesystem::absolute(path, ec);
  return std::pair{std::move(*text), ec ? path : source.lexically_normal().string()};
}

std::optional<keys::SecretKey> read_city(Console& con, const std::string& path) {
  auto city = keys::read_secret(path, keys::Kind::city);
  con.report(city.problems);
  if (!city.ok()) return std::nullopt;
  return std::move(city.value);
}

}  // namespace

void add_ledger(CLI::App& app, Action& action) {
  struct Opts {
    std::string ledger, city_key, municipality, supervisor, supervisor_key;
  };
  auto o = std::make_shared<Opts>();
  auto* group = app.add_subcommand("ledger", "The custody ledger file");
  group->require_subcommand(1);
  auto* cmd = group->add_subcommand(
      "init", "Create a ledger rooted in the city key, with the configuration pinned and the first supervisor");
  cmd->add_option("--ledger", o->ledger, "the new ledger file (default: $TSUCHI_LEDGER or ./tsuchi-ledger.sqlite); "
                                         "an existing file is refused");
  cmd->add_option("--city-key", o->city_key, "city.secret: signs the first record and certifies users")->required();
  cmd->add_option("--municipality", o->municipality, "municipality.toml to pin")->required();
  cmd->add_option("--supervisor", o->supervisor, "the first supervisor's name")->required();
  cmd->add_option("--supervisor-key", o->supervisor_key, "NAME.pub: the first supervisor's user public key")->required();
  cmd->callback([o, &action] {
    action = [o](Console& con) {
      auto config = read_config(con, o->municipality);
      if (!config) return 1;
      auto city = read_city(con, o->city_key);
      if (!city) return 1;
      auto sup = keys::read_public(o->supervisor_key, keys::Kind::user);
      con.report(sup.problems);
      if (!sup.ok()) return 1;
      ledger::Ledger::Init init{ledger_path(o->ledger), &*city,     config->first, config->second,
                                o->supervisor,          sup.value,  login_name()};
      auto l = ledger::Ledger::init(init);
      con.report(l.problems);
      if (!l.ok()) return con.fail(1, "refused; no ledger was created");
      auto& j = con.result();
      j["ledger"] = init.path;
      j["city_key_fingerprint"] = city->public_key().fingerprint();
      j["config_sha256"] = l.value.config().sha256;
      j["supervisor"] = o->supervisor;
      j["supervisor_key_fingerprint"] = sup.value.fingerprint();
      j["head"] = l.value.head().text();
      con.note(init.path + ": rooted in city key " + city->public_key().fingerprint() + "\n  configuration " +
               config->second + " pinned (sha256 " + l.value.config().sha256 + ")\n  supervisor " + o->supervisor +
               " (" + sup.value.fingerprint() + ")");
      return 0;
    };
  });
}

void add_user(CLI::App& app, Action& action) {
  struct Opts {
    Common c;
    std::string name, role, public_key, city_key;
  };
  auto o = std::make_shared<Opts>();
  auto* group = app.add_subcommand("user", "Registered users, their roles and keys (in the ledger)");
  group->require_subcommand(1);

  auto* add = group->add_subcommand("add", "Register and certify a user's key (supervisor only, audited)");
  add->add_option("NAME", o->name, "the user's name as it appears in the audit log")->required();
  add->add_option("--role", o->role, "one role per user")
      ->required()
      ->check(CLI::IsMember({"staff", "approver", "supervisor"}));
  add->add_option("--public-key", o->public_key, "NAME.pub from `tsuchi keygen --kind user`")->required();
  add->add_option("--city-key", o->city_key, "city.secret: certifies the user's key")->required();
  add_common(*add, o->c);
  add->callback([o, &action] {
    action = [o](Console& con) {
      if (auto code = refuse_removed(con, o->c)) return *code;
      auto pub = keys::read_public(o->public_key, keys::Kind::user);
      con.report(pub.problems);
      if (!pub.ok()) return 1;
      auto city = read_city(con, o->city_key);
      if (!city) return 1;
      auto s = open_session(con, o->c, {keys::Role::supervisor}, {"user:" + o->name});
      if (!s) return 1;
      const auto role = *keys::role_from(o->role);
      auto problems = s->ledger.add_user(s->actor, *city, o->name, role, pub.value);
      con.report(problems);
      if (has_errors(problems)) return con.fail(1, "refused");
      auto& j = con.result();
      j["user"] = o->name;
      j["role"] = o->role;
      j["key_fingerprint"] = pub.value.fingerprint();
      j["registered_by"] = s->actor.user;
      con.note(o->name + " registered as " + o->role + " by " + s->actor.user + "; key " + pub.value.fingerprint() +
               " certified by the city key");
      return 0;
    };
  });

  auto* revoke = group->add_subcommand("revoke", "Revoke a user's key from now on (supervisor only, audited)");
  revoke->add_option("NAME", o->name, "the registered user")->required();
  add_common(*revoke, o->c);
  revoke->callback([o, &action] {
    action = [o](Console& con) {
      auto s = open_session(con, o->c, {keys::Role::supervisor}, {"user:" + o->name});
      if (!s) return 1;
      auto problems = s->ledger.revoke_user(s->actor, o->name);
      con.report(problems);
      if (has_errors(problems)) return con.fail(1, "refused");
      con.result()["user"] = o->name;
      con.result()["revoked_by"] = s->actor.user;
      con.note(o->name + "'s key revoked by " + s->actor.user);
      return 0;
    };
  });

  add_query(*group, action, "list", "Users, roles, key fingerprints and revocations (read-only, no key)",
            [](const ledger::Ledger& l, Console& con) {
              const auto users = l.users();
              merge(con.result(), ledger::to_json(users));
              con.say(ledger::to_text(users));
            });
}

void add_config(CLI::App& app, Action& action) {
  struct Opts {
    Common c;
  };
  auto o = std::make_shared<Opts>();
  auto* group = app.add_subcommand("config", "The municipality configuration pinned in the ledger");
  group->require_subcommand(1);
  auto* cmd = group->add_subcommand("set", "Pin a new municipality.toml (supervisor only, audited)");
  add_common(*cmd, o->c, false);
  cmd->add_option("--municipality", o->c.municipality, "municipality.toml to pin")->required();
  cmd->callback([o, &action] {
    action = [o](Console& con) {
      auto config = read_config(con, o->c.municipality);
      if (!config) return 1;
      Common c = o->c;
      c.municipality.clear();  // here it is the file to pin, not a roles file
      auto s = open_session(con, c, {keys::Role::supervisor});
      if (!s) return 1;
      auto problems = s->ledger.set_config(s->actor, config->first, config->second);
      con.report(problems);
      if (has_errors(problems)) return con.fail(1, "refused; the pinned configuration is unchanged");
      con.result()["municipality"] = config->second;
      con.result()["config_sha256"] = s->ledger.config().sha256;
      con.result()["pinned_by"] = s->actor.user;
      con.note(config->second + " pinned by " + s->actor.user + " (sha256 " + s->ledger.config().sha256 + ")");
      return 0;
    };
  });
}

}  // namespace tsuchi::cli
