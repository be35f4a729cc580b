"""Issue 15, deliverable 5: `cmake --install BUILD --prefix P` installs the binary, its data (FHS, under
P/share/tsuchi), the man page and bash completion; the installed binary finds its data beside itself,
from any folder, with TSUCHI_DATA unset, and still after the prefix is moved (output_spec/install.md)."""
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

from harness import Test, tool

with Test() as t:
    build = Path(t.tsuchi).parent  # the binary is built at the top of its build folder
    t.require((build / "cmake_install.cmake").exists(), "the binary's folder is a CMake build folder", build)
    prefix = t.tmp / "prefix"
    p = tool("cmake", "--install", build, "--prefix", prefix, check=False)
    t.require(p.returncode == 0, "cmake --install into a temporary prefix", p.stdout[-1500:] + p.stderr[-1500:])

    # ---- the files: the data folders byte for byte as in the source tree, and the rest of the layout ----
    share = prefix / "share" / "tsuchi"
    for folder in ("templates", "layouts", "fonts", "examples", "output_spec"):
        sources = [f for f in (t.src / folder).rglob("*") if f.is_file()]
        t.check(sources, "the source tree has %s/" % folder)
        differ = [str(f.relative_to(t.src)) for f in sources
                  if not (share / f.relative_to(t.src)).is_file()
                  or (share / f.relative_to(t.src)).read_bytes() != f.read_bytes()]
        t.check(not differ, "share/tsuchi/%s/: every file installed as in the source tree" % folder, differ)
    for path in ("bin/tsuchi", "share/man/man1/tsuchi.1", "share/bash-completion/completions/tsuchi",
                 "share/doc/tsuchi/README.md", "share/doc/tsuchi/docs/notice.png", "share/tsuchi/output_spec/install.md"):
        t.check((prefix / path).is_file(), "installed: %s" % path)
    t.check(os.access(prefix / "bin/tsuchi", os.X_OK), "bin/tsuchi is executable")

    # Everything the demo's municipality.toml names relatively is installed beside it.
    examples = share / "examples"
    m = tomllib.loads((examples / "municipality.toml").read_text())
    named = [m["seal_image"], *m["keys"].values(), *([m["gaiji_map"]] if m.get("gaiji_map") else [])]
    t.check(len(named) >= 4, "municipality.toml names a seal image and keys", named)
    missing = [n for n in named if not (examples / n).is_file()]
    t.check(not missing, "installed examples/: every file municipality.toml names", missing)
    t.check((share / "layouts" / (m["slip"]["layout"] + ".toml")).is_file(), "installed: the demo's slip layout",
            m["slip"]["layout"])

    # ---- the installed binary, run from another folder with TSUCHI_DATA unset ----
    env = {k: v for k, v in os.environ.items() if k != "TSUCHI_DATA"}
    elsewhere = t.tmp / "elsewhere"
    elsewhere.mkdir()

    def installed(bin_dir, *args, want=0, env=env):
        p = subprocess.run([str(bin_dir / "tsuchi"), *map(str, args)], capture_output=True, text=True,
                           errors="replace", env=env, cwd=elsewhere)
        t.check(p.returncode == want, "installed tsuchi %s (in %s): exit %d" % (" ".join(map(str, args))[:120],
                bin_dir.parent.name, want), "exit %d\n%s" % (p.returncode, p.stderr[-2000:]))
        return p

    installed(prefix / "bin", "validate", "--demo")
    p = installed(prefix / "bin", "--version")
    t.check(p.stdout.startswith("tsuchi "), "installed tsuchi --version", p.stdout)

    # preview --demo: the demo cases from the installed examples/, typeset with the installed templates,
    # layouts and fonts configuration, by a city that pinned the installed municipality.toml.
    city = t.city(municipality=examples / "municipality.toml")
    out = t.tmp / "preview"
    installed(prefix / "bin", "preview", "--demo", "--out", out, *city.key("tanaka"),
              env={k: v for k, v in city.env.items() if k != "TSUCHI_DATA"})
    pdfs = sorted(out.glob("preview-*.pdf"))
    t.check(pdfs and "熊谷市" in tool("pdftotext", pdfs[0], "-").stdout, "preview from the install: PDFs of the demo",
            sorted(p.name for p in out.iterdir()) if out.exists() else "no folder")

    # ---- the prefix moved elsewhere: the data is found beside the binary, not at the install path ----
    moved = t.tmp / "moved"
    shutil.move(prefix, moved)
    installed(moved / "bin", "validate", "--demo")
    # Proof that the moved prefix's data is what it reads, not the source tree's: a broken fees.toml there.
    fees = moved / "share/tsuchi/examples/fees.toml"
    fees.write_text("this is not TOML [\n")
    p = installed(moved / "bin", "validate", "--demo", want=1)
    t.check(str(fees) in p.stderr, "validate --demo reads the moved prefix's examples/fees.toml", p.stderr[-800:])
    installed(moved / "bin", "validate", "--demo", env=dict(env, TSUCHI_DATA=str(t.src)))  # TSUCHI_DATA first
    # A copy of the binary with no share/tsuchi beside it falls back to the source tree it was built from.
    lone = t.tmp / "lone" / "bin"
    lone.mkdir(parents=True)
    shutil.copy2(moved / "bin/tsuchi", lone / "tsuchi")
    installed(lone, "validate", "--demo")

    # ---- the man page: renders, documents every command and subcommand the binary lists ----
    page = moved / "share/man/man1/tsuchi.1"
    r = subprocess.run(["groff", "-k", "-man", "-Tutf8", "-ww", str(page)], capture_output=True, text=True, env=env)
    t.check(r.returncode == 0 and not r.stderr.strip(), "the man page renders without warnings", r.stderr[-1500:])
    text = re.sub(r".\x08", "", r.stdout)  # overstrike bold/underline
    commands = re.findall(r"(?m)^  ([a-z]+)\s{2,}", t.run("help").stdout.split("Subcommands:")[-1])
    t.check(len(commands) >= 15, "tsuchi help lists the commands", commands)
    for heading in ("NAME", "SYNOPSIS", "COMMANDS", "ENVIRONMENT", "TSUCHI_DATA"):
        t.check(heading in text, "man page: %s" % heading)
    absent = [c for c in commands if not re.search(r"(?m)^ +tsuchi %s$" % c, text)
              or "Usage: tsuchi %s" % c not in text]
    t.check(not absent, "man page: a section with the usage of every command", absent)
    t.check("tsuchi import worklog" in text and "Usage: tsuchi audit verify" in text,
            "man page: subcommands too (import worklog, audit verify)")
    t.check("--demo" in text and "--cases" in text, "man page: options print as typed (ASCII hyphens)")

    # ---- bash completion: the installed script, asking the installed binary ----
    completion = moved / "share/bash-completion/completions/tsuchi"

    def complete(*words):
        """COMPREPLY for the command line `words` (the last is the word being completed)."""
        script = ('. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _tsuchi; '
                  'printf "%s\\n" "${COMPREPLY[@]}"; complete -p tsuchi >&2')
        r = subprocess.run(["bash", "-c", script, "bash", str(completion), *words], capture_output=True, text=True,
                           env=dict(env, PATH="%s:%s" % (moved / "bin", env.get("PATH", ""))))
        return set(filter(None, r.stdout.split("\n"))), r.stderr

    words, registered = complete("tsuchi", "")
    t.check("-F _tsuchi tsuchi" in registered, "completion: registered for the command tsuchi", registered)
    t.check(words == set(commands), "completion: every command after `tsuchi`", sorted(words ^ set(commands)))
    cases = [  # (command line, expected completions): names from README.md and output_spec/
        (("tsuchi", "va"), {"validate"}),
        (("tsuchi", "re"), {"reconcile", "review"}),
        (("tsuchi", "import", ""), {"receipt", "worklog", "returns", "certificate"}),
        (("tsuchi", "audit", "v"), {"verify"}),
        (("tsuchi", "help", "im"), {"import"}),
        (("tsuchi", "help", "import", "w"), {"worklog"}),
        (("tsuchi", "validate", "--de"), {"--demo"}),
        (("tsuchi", "validate", "--demo", "--enc"), {"--encoding"}),
        (("tsuchi", "validate", "--encoding", ""), {"auto", "utf8", "cp932"}),
        (("tsuchi", "keygen", "--kind", "c"), {"city", "contractor"}),
        (("tsuchi", "validate", "--cases", ""), set()),  # a file name: bash's own (complete -o default)
        (("tsuchi", "validate", ""), set()),
        ((str(moved / "bin/tsuchi"), "import", "worklog", "--ke"), {"--key"}),
        (("tsuchi", "handover", "--js"), {"--json", "--json-file"}),  # the Output group (output_spec/cli.md)
        (("tsuchi", "run", "--qu"), {"--quiet"}),
        (("tsuchi", "keygen", "--pre"), {"--prefix"}),
    ]
    for line, want in cases:
        got, _ = complete(*line)
        t.check(got == want, "completion of %r" % " ".join(line[1:]), sorted(got))
