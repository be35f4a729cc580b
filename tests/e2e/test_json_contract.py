"""The machine-readable contract (output_spec/json.md), walked through every command as the role
that uses it: the supervisor sets up, staff run, an approver releases, the contractor opens, the
supervisor reconciles. Twice, in two cities:
- with --json: stdout is exactly one JSON document (schema "tsuchi.<command>/1", command, ok,
  exit_code, errors and warnings as objects), its top-level keys those of the command's example in
  output_spec/json.md, and the human text still on stderr;
- without: nothing at all on stdout, the human text on stderr.
Failures too: a broken cases.csv gives errors with file, line, column and reason; a usage error
with --json still prints a document (exit 2).

`--write-examples DIR` also writes each command's document to DIR (to refresh json.md's examples)."""
import json
import re
import sys
from pathlib import Path

from harness import (CASE_HEADER, RECEIPT_HEADER, RETURNS_HEADER, WORKLOG_HEADER, BASE_CASE, RunRecord, Test,
                     case_row, cases_csv, office_time, sha256, write_csv)

PROBLEM_KEYS = ["severity", "file", "line", "column", "column_name", "value", "reason"]


def documented_examples(src):
    """output_spec/json.md: command name -> the example document's top-level keys, in order."""
    text = (src / "output_spec" / "json.md").read_text(encoding="utf-8")
    examples = {}
    for name, block in re.findall(r"(?ms)^### `tsuchi ([a-z ]+?)`\s*$.*?^```json\n(.*?)^```", text):
        examples[name] = list(json.loads(block))
    return examples


def walk(t, city, as_json, examples, dump):
    seen = set()

    def call(user, *args, want=0, command=None):
        """tsuchi ARGS (as USER when given); checks the streams and, with as_json, the document."""
        extra = ["--json"] if as_json else []
        p = city.run(user, *args, *extra, want=want) if user else t.run(*args, *extra, want=want, env=city.env)
        name = command or " ".join(a for a in map(str, args[:2]) if re.fullmatch(r"[a-z]+", a) and
                                   a in KNOWN_WORDS)
        label = "%s (%s)" % (name, "json" if as_json else "human")
        if not as_json and name in ("help", "version"):
            t.check(re.match(r"(Usage: tsuchi|.*\n*Usage: tsuchi|tsuchi \d+\.\d+\.\d+ \(commit )", p.stdout, re.S),
                    label + ": the text asked for, on stdout like --help and --version", p.stdout[:300])
            return p, None
        if not as_json:
            t.check(p.stdout == "", label + ": nothing on stdout", p.stdout[:300])
            t.check(p.stderr.strip() != "", label + ": human text on stderr", p.stderr[:300])
            return p, None
        try:
            doc = json.loads(p.stdout)
        except ValueError:
            t.check(False, label + ": stdout is one JSON document", p.stdout[:500])
            return p, None
        t.check(isinstance(doc, dict) and list(doc)[:4] == ["schema", "command", "ok", "exit_code"],
                label + ": schema, command, ok, exit_code first", list(doc)[:6])
        t.check(doc.get("schema") == "tsuchi.%s/1" % name.replace(" ", "."), label + ": schema names the command",
                doc.get("schema"))
        t.check(doc.get("command") == name and doc.get("exit_code") == want and doc.get("ok") == (want == 0),
                label + ": command, exit code and ok agree with the process", (doc.get("command"), doc.get("exit_code")))
        for kind in ("errors", "warnings"):
            t.check(isinstance(doc.get(kind), list) and all(list(e) == PROBLEM_KEYS for e in doc[kind]),
                    label + ": %s are objects (%s)" % (kind, ", ".join(PROBLEM_KEYS)), doc.get(kind))
        t.check((want == 0) == (doc.get("errors") == []), label + ": errors listed exactly when it failed", doc["errors"])
        if want == 0:
            seen.add(name)
            t.check(name in examples, label + ": output_spec/json.md has an example", sorted(examples))
            if name in examples:
                t.check(list(doc) == examples[name], label + ": the keys of output_spec/json.md's example",
                        (list(doc), examples[name]))
            if dump:
                (dump / (name.replace(" ", "-") + ".json")).write_text(json.dumps(doc, ensure_ascii=False, indent=2))
        return p, doc

    tmp = city.dir
    # The supervisor's set-up (the city key, the ledger and the first users came from City()).
    call(None, "keygen", "--kind", "user", "--prefix", tmp / "kimura", "--no-passphrase")
    call(None, "keygen", "--kind", "contractor", "--prefix", tmp / "printer")
    call(city.supervisor, "user", "add", "kimura", "--role", "staff", "--public-key", tmp / "kimura.pub",
         "--city-key", city.secret)
    call(None, "user", "list")
    call(city.supervisor, "user", "revoke", "kimura")
    call(city.supervisor, "config", "set", "--municipality", t.municipality)
    # Staff: inputs, codes, the proof, the run.
    call(None, "validate", "--demo")
    bad = tmp / "bad.csv"
    bad.write_bytes(cases_csv([case_row(postal_code="123-45")]))
    p, doc = call(None, "validate", "--cases", bad, "--fees", t.fees, "--municipality", t.municipality, want=1)
    if doc:
        located = [e for e in doc["errors"] if e["file"] == str(bad) and e["line"] == 2 and e["column"] and
                   e["column_name"] == "postal_code" and e["reason"]]
        t.check(located, "validate: a bad postal code is an error object with file, line, column, reason", doc["errors"])
    call(None, "barcode", "customer", "--postal-code", "263-0023", "--address", "千葉市稲毛区緑町3丁目30-8　郵便ビル403号")
    call(None, "barcode", "store", "--digits", "91" + "0" * 41 + "1", want=1)
    call("tanaka", "preview", "--demo", "--out", tmp / "proof")
    codes = (tmp / "proof" / "insertion.csv").read_text(encoding="utf-8-sig")
    store = re.search(r"(?<![0-9])91[0-9]{42}(?![0-9])", codes)
    t.require(store, "the proof's insertion.csv holds a convenience-store code", codes[:400])
    call(None, "barcode", "store", "--digits", store.group(0))
    out = tmp / "run"
    call("tanaka", "run", "--demo", "--out", out, "--contractor-key", tmp / "printer.pub", "--run-id", "R20250901",
         "--month", "2025-09")
    record = RunRecord(city.ledger, "R20250901")
    batch = record.batches[0]
    # The approver's release, after a second person's review.
    call("suzuki", "review", out)
    call("sato", "approve", out)
    call("tanaka", "handover", batch, "--route", "courier", "--media", "USB-1")
    call(None, "audit", "head")
    # The contractor opens with the city key it was given.
    call(None, "open", "--archive", out / (batch + ".zip"), "--release", out / "release.json", "--city-key", city.pub,
         "--secret-key", tmp / "printer.secret", "--out", tmp / "opened")
    # Evidence back from the contractor and the post office.
    receipt = write_csv(tmp / "receipt.csv", RECEIPT_HEADER,
                        [r for r in record.receipt(out) if r[0] == batch])
    call("tanaka", "import", "receipt", receipt)
    log = [row for row in record.worklog(spoiled=None) if row[0] == batch]
    call("tanaka", "import", "worklog", write_csv(tmp / "worklog.csv", WORKLOG_HEADER, log))
    first = record.envelopes[batch][0]
    call("tanaka", "import", "returns",
         write_csv(tmp / "returns.csv", RETURNS_HEADER, [[first, "あて所に尋ねあたりません", office_time(), "open"]]))
    form = tmp / "form.pdf"
    call("tanaka", "certificate", "form", batch, "--pdf", form)
    call("tanaka", "import", "certificate", form, "--medium", "USB-1", "--method", "Purge", "--tool", "nwipe",
         "--tool-version", "0.34", "--verification", "read-back", "--date", office_time()[:10], "--place", "plant",
         "--operator", "op-17", "--witness", "w-03")
    # The supervisor reconciles and checks the chain.
    call(city.supervisor, "reconcile", "--csv", tmp / "reconcile.csv", "--pdf", tmp / "reconcile.pdf")
    call(city.supervisor, "audit", "verify", "--city-key", city.pub)
    # A run made in error is voided by an approver (by its folder, like review and approve).
    out2 = tmp / "run2"
    t.run("run", "--demo", "--out", out2, *city.key("tanaka"), "--run-id", "R20250902", "--month", "2025-09",
          env=city.env)
    call("sato", "void", out2, "--reason", "made in error")
    call(None, "help", "run", command="help")
    call(None, "version", command="version")
    # A wrong command line: still a document with --json (exit 2).
    call(None, "reconcile", "--month", "2025/09", want=2, command="reconcile")
    call(None, "run", "--no-such-flag", want=2, command="run")
    return seen


KNOWN_WORDS = {"keygen", "user", "add", "list", "revoke", "config", "set", "validate", "barcode", "customer", "store",
               "preview", "run", "review", "approve", "handover", "audit", "head", "verify", "open", "import",
               "receipt", "worklog", "returns", "certificate", "form", "reconcile", "void", "help", "ledger", "init",
               "version"}


with Test() as t:
    dump = None
    if "--write-examples" in t.args:
        dump = Path(t.args[t.args.index("--write-examples") + 1])
        dump.mkdir(parents=True, exist_ok=True)
    examples = documented_examples(t.src)
    city = t.city()
    seen = walk(t, city, True, examples, dump)
    # Every command the binary has was walked (help lists them; `ledger init` ran in City()).
    listed = set()
    top = t.run("help").stdout
    for cmd in re.findall(r"(?m)^  ([a-z]+)\s{2,}", top.split("Subcommands:")[-1]):
        h = t.run("help", cmd).stdout
        subs = re.findall(r"(?m)^  ([a-z]+)\s{2,}", h.split("Subcommands:")[-1]) if "Subcommands:" in h else []
        listed |= {cmd + " " + s for s in subs} if subs else {cmd}
    t.check(listed - seen - {"ledger init"} == set(), "every command's JSON was parsed", sorted(listed - seen))
    t.check(set(examples) >= listed, "output_spec/json.md has an example for every command", sorted(listed - set(examples)))
    # ledger init's own document.
    other = t.tmp / "other"
    other.mkdir()
    t.run("keygen", "--kind", "city", "--prefix", other / "city")
    t.run("keygen", "--kind", "user", "--prefix", other / "boss", "--no-passphrase")
    doc = t.json("ledger", "init", "--ledger", other / "l.sqlite", "--city-key", other / "city.secret", "--municipality",
                 t.municipality, "--supervisor", "boss", "--supervisor-key", other / "boss.pub", "--json")
    t.check(doc["schema"] == "tsuchi.ledger.init/1" and list(doc) == examples.get("ledger init"),
            "ledger init: its document, keys as documented", list(doc))
    if dump:
        (dump / "ledger-init.json").write_text(json.dumps(doc, ensure_ascii=False, indent=2))
    # The same walk without --json: stdout stays empty.
    walk(t, t.city("plain"), False, examples, None)
    # --json-file writes the same document; --quiet drops the information lines but not problems.
    jf = t.tmp / "doc.json"
    p = t.run("validate", "--demo", "--json-file", jf, "--quiet")
    t.check(p.stdout == "" and p.stderr == "", "validate --quiet --json-file: silent on success", p.stderr)
    t.check(json.loads(jf.read_text())["schema"] == "tsuchi.validate/1", "--json-file holds the document")
    p = t.run("validate", "--cases", t.tmp / "city" / "bad.csv", "--fees", t.fees, "--municipality", t.municipality,
              "--quiet", want=1)
    t.check("postal_code" in p.stderr, "--quiet still prints the problems", p.stderr)
