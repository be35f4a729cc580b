"""Held-out-style impersonation attempts (SPEC §13, issue 11): the acting user is the registered,
unrevoked owner of --key, with the role the command needs, and roles never come from a file on the
command line. An unregistered key, a revoked key, `--as`, a roles file, a wrong passphrase and a
missing key are each refused with exit 1 and a message naming what is missing. Also: preview is a
staff-only, audited export, and run uses the configuration pinned in the ledger."""
import json
import re
import sqlite3

from harness import Test, sha256

with Test() as t:
    tmp = t.tmp
    city = t.city()
    out = tmp / "run"
    r = t.demo_run(out, "--run-id", "R20250901")
    city.run("suzuki", "review", out)

    # A key nobody registered.
    mallory_pub, mallory = t.keygen("mallory")  # a city-kind key is not a user key either
    t.run("keygen", "--kind", "user", "--no-passphrase", "--out", tmp / "nobody")
    p = t.run("approve", out, "--key", tmp / "nobody.secret", want=1)
    t.check("registered" in p.stderr, "an unregistered key is refused", p.stderr)
    p = t.run("approve", out, "--key", mallory, want=1)
    t.check("mallory.secret" in p.stderr, "a key of the wrong kind is refused, naming the file", p.stderr)

    # --as and a roles file: the options are gone, and say what replaced them.
    p = t.run("approve", out, "--as", "sato", want=1)
    t.check("--as is gone: the acting user is the registered owner of --key" in p.stderr, "--as is refused", p.stderr)
    roles = tmp / "roles.toml"
    roles.write_text(t.municipality_here() + '\n[roles]\napprover = ["tanaka"]\n', encoding="utf-8")
    p = t.run("approve", out, *t.key("tanaka"), "--municipality", roles, want=1)
    t.check("roles come from the ledger, never from a file on the command line" in p.stderr,
            "--municipality roles.toml on approve is refused", p.stderr)
    p = t.run("handover", r.batches[0], *t.key("tanaka"), "--as", "sato", want=1)
    t.check("--as is gone" in p.stderr, "--as is refused on every custody command", p.stderr)
    p = t.run("run", "--demo", "--out", tmp / "x", *t.key("tanaka"), "--signing-key", city.secret, want=1)
    t.check("--signing-key is gone: the maker's --key signs the manifests" in p.stderr, "run --signing-key is refused",
            p.stderr)
    p = t.run("approve", out, want=1, env=t.env_with(t.ledger, TSUCHI_KEY=""))
    t.check("no key: give --key ME.secret or set $TSUCHI_KEY" in p.stderr, "no key, no command", p.stderr)
    t.require(not (out / "release.json").exists(), "nothing was approved")

    # Only a supervisor adds users, and only with the city key the ledger was made with.
    p = city.add("kimura", "approver", want=1, by="tanaka")
    t.check("supervisor" in p.stderr, "staff cannot add users", p.stderr)
    other_pub, other_secret = t.keygen("other-city", "city")
    p = t.run("user", "add", "kimura", "--role", "approver", "--public-key", city.user_key("kimura")[0],
              *t.key("takahashi"), "--city-key", other_secret, want=1)
    t.check("city key" in p.stderr, "another city key cannot certify users of this ledger", p.stderr)

    # A revoked key: suzuki leaves; her key no longer acts, from that moment on.
    city.run("takahashi", "user", "revoke", "suzuki")
    p = city.run("suzuki", "review", out, want=1)
    t.check("revoked" in p.stderr, "a revoked key is refused", p.stderr)
    users = t.users()
    t.check(users["suzuki"]["revoked_at"] and not users["tanaka"]["revoked_at"], "user list shows the revocation",
            users["suzuki"])
    p = city.add("suzuki", "approver", want=1)
    t.check("suzuki" in p.stderr, "a revoked user's key is never registered again", p.stderr)

    # A passphrase-protected key ($TSUCHI_KEY, $TSUCHI_PASSPHRASE_FILE); a wrong passphrase is refused.
    good, bad = tmp / "pass.txt", tmp / "wrong.txt"
    good.write_text("correct horse battery staple\n")
    bad.write_text("not the passphrase\n")
    city.user_key("kondo", passphrase_file=good)
    city.add("kondo", "approver")
    env = t.env_with(t.ledger, TSUCHI_KEY=str(city.user_key("kondo")[1]), TSUCHI_PASSPHRASE_FILE=str(bad))
    p = t.run("approve", out, env=env, want=1)
    t.check("passphrase" in p.stderr, "a wrong passphrase is refused", p.stderr)
    env["TSUCHI_PASSPHRASE_FILE"] = str(good)
    t.run("approve", out, env=env)
    t.check((out / "release.json").exists(), "kondo approves with his protected key")

    # Preview: staff only, recorded before and after; refused without a ledger.
    p = t.run("preview", "--demo", "--out", tmp / "proof", *t.key("sato"), want=1)
    t.check("staff" in p.stderr and not (tmp / "proof").exists(), "an approver cannot export a preview", p.stderr)
    p = t.run("preview", "--demo", "--out", tmp / "proof", *t.key("tanaka"), "--ledger", tmp / "none.sqlite", want=1)
    t.check("no ledger" in p.stderr and not (tmp / "proof").exists(), "no ledger, no preview", p.stderr)
    t.run("preview", "--demo", "--out", tmp / "proof", *t.key("tanaka"))
    db = sqlite3.connect(f"file:{t.ledger}?mode=ro", uri=True)
    recs = [(seq, c, json.loads(o)) for seq, c, o in db.execute("SELECT seq, command, objects FROM audit ORDER BY seq")]
    db.close()
    start = [r for r in recs if r[1] == "preview" and any(o.startswith("folder:") for o in r[2])][-1]
    done = [r for r in recs if r[1] == "preview done"][-1]
    t.check(start[0] < done[0] and "folder:" + str(tmp / "proof") in start[2] and
            any(o.startswith("inputs:") for o in start[2]),
            "preview is recorded first, with its folder and the input digest", start)
    files = {f.name: sha256(f) for f in (tmp / "proof").iterdir()}
    t.check(files and all("file:%s:%s" % kv in done[2] for kv in files.items()),
            "... and after, with every file written and its SHA-256", (done, files))

    # run: the configuration is the ledger's; a different --municipality is refused until pinned.
    changed = tmp / "municipality.toml"
    changed.write_text(t.municipality_here().replace("size = 4 ", "size = 5 "), encoding="utf-8")
    p = t.run("run", "--demo", "--municipality", changed, "--out", tmp / "run2", *t.key("tanaka"), want=1)
    t.check(f"{changed}: error: differs from the configuration pinned in the ledger" in p.stderr and
            "tsuchi config set" in p.stderr, "run refuses a configuration other than the pinned one", p.stderr)
    p = t.run("config", "set", "--municipality", changed, *t.key("tanaka"), want=1)
    t.check("supervisor" in p.stderr, "staff cannot pin a configuration", p.stderr)
    t.run("config", "set", "--municipality", changed, *t.key("takahashi"))
    r2 = t.demo_run(tmp / "run2", "--run-id", "R20250903", "--municipality", changed)
    # Batches count households: a split mailing's parts (<id>-1, -2, …) stay in their household's batch.
    households = {re.sub(r"(/\d{6})-\d+$", r"\1", e) for e in r2.envelopes[r2.batches[0]]}
    t.check(len(households) == 5, "the newly pinned configuration is used (batch size 5)",
            {b: len(e) for b, e in r2.envelopes.items()})
    v = t.json("audit", "verify", "--json")
    t.check(v["ok"], "refusals and changes above are all on record, and the log verifies", v.get("breaks"))
