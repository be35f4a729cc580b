"""`tsuchi keygen`: PEM key pairs OpenSSL reads, secret files 0600 whatever the umask, never
overwritten, the printed fingerprint, exit codes."""
import hashlib
import os
import stat

from harness import Test, tool

with Test() as t:
    os.umask(0)  # the secret must be 0600 whatever the umask allows
    # prefix, flags, OpenSSL's name for the algorithm
    for prefix, flags, algo in (("city", [], "ED25519"), ("city2", ["--kind", "signing"], "ED25519"),
                                ("contractor", ["--kind", "contractor"], "X25519")):
        base = t.tmp / prefix
        pub, secret = t.tmp / (prefix + ".pub"), t.tmp / (prefix + ".secret")
        got = t.json("keygen", "--out", base, *flags, "--json", stop=False)
        if not t.check(pub.exists() and secret.exists(), prefix + ": both files written"):
            continue
        t.check(stat.S_IMODE(secret.stat().st_mode) == 0o600, prefix + ": secret mode 0600",
                oct(secret.stat().st_mode))
        text = tool("openssl", "pkey", "-pubin", "-in", pub, "-noout", "-text", check=False).stdout
        t.check(algo in text, "%s: openssl reads %s.pub as %s" % (prefix, prefix, algo), text)
        derived = tool("openssl", "pkey", "-in", secret, "-pubout", check=False).stdout
        pem = pub.read_text()
        t.check(derived.strip() and derived.strip() == pem[pem.index("-----BEGIN"):].strip(),
                prefix + ": the public key derived from the secret is the .pub", derived)
        # The printed fingerprint is the SHA-256 of the raw 32-byte public key.
        der = tool("openssl", "pkey", "-pubin", "-in", pub, "-outform", "DER", text=False).stdout
        t.check(got and got.get("fingerprint_sha256") == hashlib.sha256(der[-32:]).hexdigest(),
                prefix + ": fingerprint is the SHA-256 of the raw key", got)
        # Never overwritten: a second keygen fails with exit 1 and leaves both files as they were.
        before = pub.read_bytes() + secret.read_bytes()
        t.run("keygen", "--out", base, *flags, want=1, stop=False)
        t.check(pub.read_bytes() + secret.read_bytes() == before, prefix + ": key files unchanged")

    # A signature made by OpenSSL with the city's secret checks with the public key (same Ed25519).
    (t.tmp / "m.txt").write_text("manifest bytes\n")
    signed = tool("openssl", "pkeyutl", "-sign", "-inkey", t.tmp / "city.secret", "-rawin", "-in", t.tmp / "m.txt",
                  "-out", t.tmp / "m.sig", check=False)
    verified = tool("openssl", "pkeyutl", "-verify", "-pubin", "-inkey", t.tmp / "city.pub", "-rawin", "-in",
                    t.tmp / "m.txt", "-sigfile", t.tmp / "m.sig", check=False)
    t.check(signed.returncode == 0 and verified.returncode == 0, "openssl signs and verifies with the keygen pair",
            signed.stderr + verified.stderr)

    t.run("keygen", "--out", t.tmp / "x", "--kind", "rsa", want=2, stop=False)
    t.run("keygen", want=2, stop=False)
    p = t.run("keygen", "--out", t.tmp / "no/such/folder/k", want=1, stop=False)
    t.check("cannot create" in p.stderr, "unwritable prefix: the message says so", p.stderr)
