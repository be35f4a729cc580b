"""Files safe by construction (issue 12 item 5), checked with stat: the ledger 0600; run, preview and
open folders 0700; plaintext outputs (preview PDFs, insertion.csv, review sheets, run.json, certificate
forms, reconcile CSV/PDF) 0600; B.key only with --write-key when a sealed key exists; a link planted at
an output's name is replaced, never followed; an --out owned by another user is refused (as root)."""
import os
from pathlib import Path

from harness import Test, files_in, mode, nobody_owned

with Test() as t:
    city = t.city()
    t.check(mode(city.ledger) == 0o600, "the ledger is created 0600", oct(mode(city.ledger)))

    # run: the contractor key is configured, so B.key is not written unless asked for.
    plain = t.tmp / "plain"
    rec = t.demo_run(plain, write_key=False)
    b = rec.batches[0]
    t.check(not (plain / (b + ".key")).exists(), "no B.key beside B.key.sealed without --write-key")
    t.check((plain / (b + ".key.sealed")).exists(), "B.key.sealed is there")
    t.check(mode(plain) == 0o700, "the run folder is 0700", oct(mode(plain)))
    t.check(mode(plain / "run.json") == 0o600, "run.json is 0600", oct(mode(plain / "run.json")))
    t.check(not [n for n in files_in(plain) if ".tmp-" in n or n.startswith(".staging")], "no temporary left",
            list(files_in(plain)))
    keyed = t.tmp / "keyed"
    t.demo_run(keyed)
    keys_written = sorted(keyed.glob("*.key"))
    t.check(len(keys_written) == len(rec.batches), "--write-key writes every B.key", keys_written)
    t.check(all(mode(k) == 0o600 for k in keys_written), "B.key is 0600")
    # The review sheet: a link planted at review.txt is replaced, its target untouched.
    victim = t.tmp / "victim.txt"
    victim.write_text("precious")
    os.symlink(victim, plain / "review.txt")
    city.run("suzuki", "review", plain)
    t.check(victim.read_text() == "precious", "review never follows a link planted at review.txt")
    t.check(not (plain / "review.txt").is_symlink(), "review.txt is the sheet itself")
    for name in ("review.txt", "review.pdf"):
        t.check(mode(plain / name) == 0o600, name + " is 0600", oct(mode(plain / name)))

    # preview: 0700 folder, 0600 files, a planted link at insertion.csv not followed.
    pv = t.tmp / "preview"
    pv.mkdir(mode=0o755)
    os.symlink(victim, pv / "insertion.csv")
    city.run("tanaka", "preview", "--demo", "--out", pv)
    t.check(victim.read_text() == "precious", "preview never follows a link planted at insertion.csv")
    t.check(mode(pv) == 0o700, "the preview folder is 0700", oct(mode(pv)))
    for name, data in files_in(pv).items():
        t.check(mode(pv / name) == 0o600, "preview %s is 0600" % name, oct(mode(pv / name)))

    # certificate form and reconcile outputs.
    form = t.tmp / "form.pdf"
    city.run("tanaka", "certificate", "form", b, "--out", form)
    t.check(mode(form) == 0o600, "the certificate form is 0600", oct(mode(form)))
    csv_, pdf = t.tmp / "r.csv", t.tmp / "r.pdf"
    city.run("tanaka", "reconcile", "--csv", csv_, "--pdf", pdf, want=None)
    for f in (csv_, t.tmp / "r-lists.csv", pdf):
        if f.exists():
            t.check(mode(f) == 0o600, f.name + " is 0600", oct(mode(f)))

    # open: 0700 bag folder, 0600 files.
    city.run("sato", "approve", plain)
    cred = ["--secret-key", t.examples / "keys" / "contractor.secret"]
    if (t.examples / "keys" / "contractor.secret").exists():
        opened = t.tmp / "opened"
        t.run(*t.open_args(plain, b, opened, *cred))
        t.check(mode(opened) == 0o700, "the open folder is 0700", oct(mode(opened)))
        for name, data in files_in(opened).items():
            if data is not None and not name.startswith("."):
                t.check(mode(opened / name) == 0o600, "opened %s is 0600" % name, oct(mode(opened / name)))
            elif data is None:
                t.check(mode(opened / name) == 0o700, "opened folder %s is 0700" % name, oct(mode(opened / name)))

    # Another user's folder is refused by run, preview and open.
    if nobody_owned(t.tmp / "theirs-run") and nobody_owned(t.tmp / "theirs-preview") and nobody_owned(t.tmp / "theirs-open"):
        p = city.run("tanaka", "run", "--demo", "--out", t.tmp / "theirs-run", want=1)
        t.check("owned by another user" in p.stderr, "run refuses another user's --out", p.stderr)
        p = city.run("tanaka", "preview", "--demo", "--out", t.tmp / "theirs-preview", want=1)
        t.check("owned by another user" in p.stderr, "preview refuses another user's --out", p.stderr)
        p = t.run(*t.open_args(plain, b, t.tmp / "theirs-open", *cred), want=1)
        t.check("owned by another user" in p.stderr, "open refuses another user's --out", p.stderr)
    else:
        print("skip: not root, cannot give a folder to nobody")
