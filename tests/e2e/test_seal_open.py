"""The contractor's side of a sealed batch (SPEC §7, output_spec/batch.md), on the demo run's real
batches: `tsuchi open` with the release, the city key, and B.key or the secret key; the tool-free route
the spec promises for the archive's integrity (OpenSSL for the maker's signature, 7-Zip for the archive,
coreutils for the bag), then one flipped byte in each file, which open must refuse without extracting
anything. Last, the batch kept in tests/fixtures/sealed (sealed by an earlier build, with its release,
shared with the fuzz targets) still opens with its own city key, and with no other."""
import filecmp
import json
import shutil
import stat
from pathlib import Path

from harness import Test, excel_csv, flip, sha256, tool


def same_tree(a, b):
    """True when folders a and b hold the same files with the same bytes."""
    files = lambda d: sorted(str(f.relative_to(d)) for f in Path(d).rglob("*") if f.is_file())
    fa, fb = files(a), files(b)
    return fa == fb and all(filecmp.cmp(Path(a) / f, Path(b) / f, shallow=False) for f in fa)


with Test() as t:
    city = t.city()
    maker_pub = city.user_key("tanaka")[0]
    # OpenSSL's PEM of the maker's key (tsuchi's key file adds a kind line first).
    maker_pem = t.tmp / "tanaka.pem"
    maker_pem.write_text("".join(l for l in maker_pub.read_text().splitlines(True) if not l.startswith("tsuchi-key:")))
    _, contractor_secret = t.keygen("contractor", "contractor")
    run = t.tmp / "run"
    t.approved(run, t.demo_run(run, contractor=True, user="tanaka"))
    manifests = sorted(run.glob("*.manifest.json"))
    t.require(manifests, "the demo run sealed a batch")

    for m in manifests:
        b = str(m)[: -len(".manifest.json")]
        bid = Path(b).name
        for s in (".zip", ".key", ".key.sealed", ".manifest.json", ".manifest.json.sig"):
            t.check(Path(b + s).is_file(), "%s: %s present" % (bid, s))
        t.check(stat.S_IMODE(Path(b + ".key").stat().st_mode) == 0o600, bid + ": B.key is mode 0600")
        manifest = json.loads(m.read_text())
        t.check(manifest["batch_id"] == bid, bid + ": manifest batch_id")

        # Tool-free route 1: the maker's signature, with OpenSSL and the maker's PEM public key.
        v = tool("openssl", "pkeyutl", "-verify", "-pubin", "-inkey", maker_pem, "-rawin", "-in", m, "-sigfile",
                 b + ".manifest.json.sig", check=False)
        t.check(v.returncode == 0, bid + ": openssl verifies the maker's manifest signature", v.stderr)
        t.check(sha256(b + ".zip") == manifest["archive_sha256"], bid + ": sha256 of the archive is the manifest's")

        # Route 2: 7-Zip lists every entry as AES-256 and extracts with the passphrase.
        passphrase = Path(b + ".key").read_text().strip()
        listing = tool("7z", "l", "-slt", "-p" + passphrase, b + ".zip").stdout.splitlines()
        entries = sum(1 for line in listing if line.startswith("Path = %s/" % bid))
        aes = sum(1 for line in listing if line.startswith("Method = AES-256"))
        t.check(entries >= 7 and entries == aes, "%s: all %d entries are AES-256 (%d)" % (bid, entries, aes))
        x7 = t.tmp / "x7"
        x7.mkdir(exist_ok=True)
        x = tool("7z", "x", "-y", "-p" + passphrase, b + ".zip", cwd=x7, check=False)
        t.check(x.returncode == 0, bid + ": 7z extracts", x.stdout[-500:])
        # Route 3: the bag with coreutils (manifest lines are "<digest>  <path>", as sha*sum -c reads).
        bag = x7 / bid
        ok = all(tool(prog, "-c", "--quiet", listfile, cwd=bag, check=False).returncode == 0 for prog, listfile in (
            ("sha256sum", "manifest-sha256.txt"), ("sha512sum", "manifest-sha512.txt"),
            ("sha256sum", "tagmanifest-sha256.txt"), ("sha512sum", "tagmanifest-sha512.txt")))
        t.check(ok, bid + ": the bag's digests check with coreutils")
        t.check(sha256(bag / "tagmanifest-sha256.txt") == manifest["tagmanifest_sha256"], bid + ": tagmanifest_sha256")
        ins = bag / "data" / "insertion.csv"
        t.check(ins.is_file() and excel_csv(ins, header=True)[0][:5] == ["envelope_id", "pages", "sheets", "postal_code",
                                                                         "codes"],
                bid + ": data/insertion.csv with its header")

        # tsuchi open, both ways, gives exactly what 7-Zip gave.
        got = t.json(*t.open_args(run, bid, t.tmp / "o1"), "--json", stop=False)
        t.check(got and got.get("batch_id") == bid, bid + ": open --json names the batch", got)
        t.check(same_tree(t.tmp / "o1" / bid, bag), bid + ": open --key gives what 7z gave")
        t.run(*t.open_args(run, bid, t.tmp / "o2", "--secret-key", contractor_secret), stop=False)
        t.check(same_tree(t.tmp / "o2" / bid, bag), bid + ": open --secret-key gives what 7z gave")

    # Nothing in plain text beside the archives: no PDF, no insertion list.
    # (review.pdf is the approver's sheet of counts and totals: no names, no addresses.)
    plain = [f.name for f in run.rglob("*") if f.is_file() and f.name != "review.pdf" and (
        f.suffix in (".pdf", ".csv") or b"%PDF-1." in f.read_bytes())]
    t.check(not plain, "no plaintext print file in the run folder", plain)

    # One flipped byte in any file, a wrong passphrase, or another contractor's key: refused, nothing extracted.
    b = str(manifests[0])[: -len(".manifest.json")]
    bid = Path(b).name
    _, other_secret = t.keygen("other", "contractor")
    for what in ("zip", "manifest.json", "manifest.json.sig", "key.sealed", "key", "wrong-contractor"):
        case, out = t.tmp / "t", t.tmp / "d"
        shutil.rmtree(case, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
        case.mkdir()
        for f in Path(b).parent.glob(bid + ".*"):
            shutil.copy(f, case)
        shutil.copy(run / "release.json", case)
        cred = ["--key", case / (bid + ".key")]
        if what == "key":  # a wrong passphrase of the right shape
            k = (case / (bid + ".key")).read_text()
            (case / (bid + ".key")).write_text(("b" if k[0] == "a" else "a") + k[1:])
        elif what == "key.sealed":
            (case / (bid + ".key.sealed")).write_bytes(flip((case / (bid + ".key.sealed")).read_bytes()))
            cred = ["--secret-key", contractor_secret]
        elif what == "wrong-contractor":
            cred = ["--secret-key", other_secret]
        else:
            f = case / (bid + "." + what)
            f.write_bytes(flip(f.read_bytes()))
        p = t.run(*t.open_args(case, bid, out, *cred), want=1, stop=False)
        t.check("nothing was extracted" in p.stderr, "damaged %s: the refusal says nothing was extracted" % what,
                p.stderr)
        t.check(not out.exists() or not any(out.iterdir()), "damaged %s: nothing extracted" % what)

    # Usage errors exit 2.
    args = t.open_args(run, bid, t.tmp / "d")
    t.run(*[a for a in args if a not in ("--key", run / (bid + ".key"))], want=2, stop=False)
    t.run(*t.open_args(run, bid, t.tmp / "d", "--key", b + ".key", "--secret-key", contractor_secret), want=2,
          stop=False)

    # The fixture batch sealed by an earlier build (with its own city, release and keys) opens with
    # today's binary, both ways; with this city's key instead of its own it is refused.
    sealed = t.fixtures / "sealed"
    fb = "R20250901-B001"
    for label, cred in (("B.key", ["--key", sealed / (fb + ".key")]),
                        ("the contractor's secret key", ["--secret-key", sealed / "contractor.secret"])):
        out = t.tmp / ("fixture-" + label.split()[0])
        got = t.json(*t.open_args(sealed, fb, out, *cred, city_key=sealed / "city.pub"), "--json", stop=False)
        t.check(got and got.get("batch_id") == fb, "the fixture batch opens with " + label, got)
        ins = out / fb / "data" / "insertion.csv"
        t.check(ins.is_file() and len(excel_csv(ins)) == 2, "the fixture batch holds its 2-envelope insertion.csv")
    out = t.tmp / "fixture-other-city"
    p = t.run(*t.open_args(sealed, fb, out), want=1, stop=False)
    t.check("nothing was extracted" in p.stderr and (not out.exists() or not any(out.iterdir())),
            "the fixture batch does not open with another city's key", p.stderr)
