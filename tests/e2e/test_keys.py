"""`tsuchi keygen --kind user`: the passphrase from --passphrase-file, from $TSUCHI_PASSPHRASE_FILE, or
none (--no-passphrase, loudly); no source and no terminal is refused; OpenSSL reads every public key;
the encrypted secret holds no PEM private key (output_spec/keys.md)."""
import json
import stat
import subprocess

from harness import Test, tool

with Test() as t:
    pw = t.tmp / "pass.txt"
    pw.write_text("correct horse battery\n")
    env_pw = dict(t.env, TSUCHI_PASSPHRASE_FILE=str(pw))
    plain_env = {k: v for k, v in t.env.items() if k != "TSUCHI_PASSPHRASE_FILE"}
    # name, flags, environment, protected
    for name, flags, env, protected in (
            ("flag", ["--passphrase-file", pw], plain_env, True),
            ("env", [], env_pw, True),
            ("service", ["--no-passphrase"], env_pw, False)):
        prefix = t.tmp / name
        p = t.run("keygen", "--kind", "user", "--out", prefix, "--json", *flags, env=env, stop=False)
        if not t.check(p.returncode == 0, name + ": keygen --kind user exits 0", p.stderr):
            continue
        secret = (t.tmp / (name + ".secret"))
        got = json.loads(p.stdout)
        t.check(got["passphrase_protected"] == protected, name + ": the JSON says whether a passphrase protects it", got)
        t.check(stat.S_IMODE(secret.stat().st_mode) == 0o600, name + ": secret mode 0600")
        text = secret.read_text()
        first = text.splitlines()[0]
        if protected:
            t.check(first == "tsuchi-key: user-secret-encrypted", name + ": the kind line says encrypted", first)
            t.check("PRIVATE KEY" not in text and "-----BEGIN" not in text,
                    name + ": no PEM private key block in the encrypted file", text)
            t.check("kdf: argon2id13 opslimit=3 memlimit=268435456" in text, name + ": Argon2id MODERATE cost stored", text)
            t.check("NOT protected" not in p.stderr, name + ": no warning", p.stderr)
        else:
            t.check(first == "tsuchi-key: user-secret-unprotected", name + ": the kind line says unprotected", first)
            t.check("this key is NOT protected by a passphrase: for service and test keys only" in p.stderr,
                    name + ": a loud warning on stderr", p.stderr)
            derived = tool("openssl", "pkey", "-in", secret, "-pubout", check=False)
            pem = (t.tmp / (name + ".pub")).read_text()
            t.check(derived.returncode == 0 and derived.stdout.strip() == pem[pem.index("-----BEGIN"):].strip(),
                    name + ": openssl derives the .pub from the unprotected secret", derived.stderr)
        head = (t.tmp / (name + ".pub")).read_text().splitlines()[0]
        t.check(head == "tsuchi-key: user-public", name + ": public kind line", head)

    # Every kind's public key is one OpenSSL reads.
    t.run("keygen", "--kind", "city", "--out", t.tmp / "city")
    t.run("keygen", "--kind", "contractor", "--out", t.tmp / "contractor")
    for name in ("flag", "env", "service", "city", "contractor"):
        r = tool("openssl", "pkey", "-pubin", "-in", t.tmp / (name + ".pub"), "-noout", check=False)
        t.check(r.returncode == 0, "openssl reads %s.pub" % name, r.stderr)
    t.check((t.tmp / "city.secret").read_text().startswith("tsuchi-key: signing-secret\n"),
            "--kind city writes the city key files existing tools read (kind line signing)")

    # No passphrase source and no terminal (a new session has no controlling terminal): refused, nothing written.
    p = subprocess.run([t.tsuchi, "keygen", "--kind", "user", "--out", str(t.tmp / "nobody")], capture_output=True,
                       text=True, env=plain_env, start_new_session=True, stdin=subprocess.DEVNULL)
    t.check(p.returncode == 1, "no passphrase source and no terminal: exit 1", p.stderr)
    t.check("no passphrase" in p.stderr and "--passphrase-file" in p.stderr and "TSUCHI_PASSPHRASE_FILE" in p.stderr,
            "the message names the ways to give one", p.stderr)
    t.check(not (t.tmp / "nobody.secret").exists() and not (t.tmp / "nobody.pub").exists(), "nothing was written")

    # Weak or empty passphrases are refused for a new key; a passphrase for a city key is a usage error.
    for what, content in (("empty", "\n"), ("short", "1234567\n")):
        f = t.tmp / (what + ".txt")
        f.write_text(content)
        p = t.run("keygen", "--kind", "user", "--out", t.tmp / what, "--passphrase-file", f, env=plain_env, want=1,
                  stop=False)
        t.check(not (t.tmp / (what + ".secret")).exists(), what + " passphrase: nothing written", p.stderr)
    t.run("keygen", "--kind", "city", "--out", t.tmp / "city2", "--passphrase-file", pw, want=2, stop=False)
    t.run("keygen", "--kind", "user", "--out", t.tmp / "both", "--passphrase-file", pw, "--no-passphrase", want=2,
          stop=False)
