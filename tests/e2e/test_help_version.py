"""Issue 15 (in part): `tsuchi help [COMMAND [SUBCOMMAND]]` shows that command's usage, `tsuchi --version`
names the program, its version and the commit it was built from, and no help text cites a file a
user does not have (SPEC §…): rules are cited from output_spec/, which ships with the program. `run`
ends by naming its output folder and the next step."""
import re

from harness import Test

with Test() as t:
    p = t.run("--version")
    t.check(re.fullmatch(r"tsuchi \d+\.\d+\.\d+ \(commit ([0-9a-f]{7,40}|unknown)\)\n", p.stdout) is not None,
            "--version: name, version and commit", p.stdout)

    p = t.run("help")
    t.check("Usage: tsuchi [OPTIONS] SUBCOMMAND" in p.stdout, "help: tsuchi's own usage", p.stdout[:400])
    commands = re.findall(r"(?m)^  ([a-z]+)\s{2,}", p.stdout.split("Subcommands:")[-1])
    t.check({"validate", "run", "preview", "import", "reconcile", "help"} <= set(commands),
            "help: lists the commands", commands)

    # Each command and each of its subcommands: the same usage `--help` gives, under its full name.
    texts = {}
    for cmd in commands:
        h = t.run("help", cmd)
        texts[cmd] = h.stdout
        t.check(("Usage: tsuchi %s " % cmd) in h.stdout, "help %s: its usage line" % cmd, h.stdout[:300])
        subs = re.findall(r"(?m)^  ([a-z]+)\s{2,}", h.stdout.split("Subcommands:")[-1]) if "Subcommands:" in h.stdout else []
        for sub in subs:
            hs = t.run("help", cmd, sub)
            texts[cmd + " " + sub] = hs.stdout
            t.check(("Usage: tsuchi %s %s " % (cmd, sub)) in hs.stdout, "help %s %s: its usage line" % (cmd, sub),
                    hs.stdout[:300])
    t.check(len(texts) > 15, "every command and subcommand was asked", sorted(texts))
    citing = sorted(name for name, text in texts.items() if "SPEC" in text)
    t.check(not citing, "no help text cites SPEC, a file users do not have", citing)

    p = t.run("help", "nosuch", want=2)
    t.check("no command 'nosuch'" in p.stderr, "help of an unknown command: a usage error naming it", p.stderr)
    p = t.run("help", "import", "nosuch", want=2)
    t.check("no command 'nosuch'" in p.stderr, "help of an unknown subcommand too", p.stderr)

    # `run` ends by naming its output folder and the next step, with the folder as it must be typed.
    city = t.city()
    out = (t.tmp / "september").resolve()
    p = t.run("run", "--demo", "--out", out, "--month", "2025-09", *city.key("tanaka"), "--write-key", env=city.env)
    t.check("tsuchi run: output folder: %s\n" % out in p.stderr, "run: names its output folder", p.stderr[-600:])
    t.check("tsuchi run: next: tsuchi review %s" % out in p.stderr and "tsuchi approve %s" % out in p.stderr,
            "run: names the next step, review then approve, on that folder", p.stderr[-600:])
    t.check(p.stdout == "", "run: human text on stderr only", p.stdout[:300])
