"""Tampered batches (issue 7): one byte changed anywhere in a batch's archive, manifest, signature,
passphrase or sealed key (sampled positions: first, last, middle, spread, the ZIP central directory,
the manifest's JSON values), truncated files, two batches' files swapped, an old batch replayed under a
new name. `tsuchi open`, with the city key pinned, must refuse every one and leave the output folder
empty; each untouched batch must still open.
"""
import re
import shutil

from harness import BATCH_SUFFIXES as SUFFIXES, Test, flip

cases = 0


def central_directory(z):
    """Offsets inside the ZIP central directory and its end record (EOCD)."""
    eocd = z.rfind(b"PK\x05\x06")
    size, offset = int.from_bytes(z[eocd + 12:eocd + 16], "little"), int.from_bytes(z[eocd + 16:eocd + 20], "little")
    return {"central directory, first entry's signature": offset,
            "central directory, an entry's compressed size": offset + 20,
            "central directory, an entry's name": offset + 46,
            "central directory, middle": offset + size // 2,
            "end record, entry count": eocd + 10,
            "end record, directory offset": eocd + 16,
            "first local header, its name length": 26,
            "first entry's AES salt": 30 + int.from_bytes(z[26:28], "little") + int.from_bytes(z[28:30], "little")}


def json_value_positions(text):
    """Where each value of the manifest starts, by key: a change there is a change of meaning."""
    out = {}
    for m in re.finditer(rb'"([a-z_0-9]+)": ("?)', text):
        out["manifest value of " + m.group(1).decode()] = m.end()
    return out


def spread(n, count=12):
    return sorted({0, n - 1, n // 2, *[n * k // count for k in range(1, count)]})


def named(files, suffix):
    """The file of `files` with this suffix (".key" is B.key, not B.key.sealed)."""
    return next(n for n in files if n.endswith(suffix) and (suffix != ".key" or not n.endswith(".sealed")))


def variants(files, other):
    """(what, changed files, open with the contractor's secret key?) for each tampering of batch `files`."""
    zip_, man, sig, key, sealed = (named(files, s) for s in SUFFIXES)
    z, m = files[zip_], files[man]
    for i in spread(len(z)):
        yield "archive byte %d of %d" % (i, len(z)), {zip_: flip(z, i)}, False
    for what, i in central_directory(z).items():
        yield "archive " + what, {zip_: flip(z, i)}, False
    for i in spread(len(m), 6):
        yield "manifest byte %d of %d" % (i, len(m)), {man: flip(m, i)}, False
    for what, i in json_value_positions(m).items():
        yield what, {man: flip(m, i)}, False
    for i in (0, 31, 32, 63):
        yield "signature byte %d" % i, {sig: flip(files[sig], i)}, False
    for i in spread(len(files[sealed]), 4):
        yield "sealed key byte %d of %d" % (i, len(files[sealed])), {sealed: flip(files[sealed], i)}, True
    for i in (0, 20, len(files[key]) - 2):
        yield "passphrase byte %d" % i, {key: flip(files[key], i)}, False
    for name in (zip_, man, sig, sealed):
        for n in (0, 1, len(files[name]) // 2, len(files[name]) - 1):
            yield "%s truncated to %d bytes" % (name, n), {name: files[name][:n]}, name == sealed
    yield "archive one byte longer", {zip_: z + b"\0"}, False
    # Another batch's file under this batch's name, one kind at a time, then manifest and signature together.
    for suffix in SUFFIXES:
        yield "the other batch's %s swapped in" % suffix, {named(files, suffix): other[named(other, suffix)]}, \
            suffix == ".key.sealed"
    yield "the other batch's manifest and signature swapped in", {
        man: other[named(other, ".manifest.json")], sig: other[named(other, ".manifest.json.sig")]}, False


def main(t):
    global cases
    tmp = t.tmp
    for run_id, out in (("R20250801", "old"), ("R20250901", "run")):
        t.approved(tmp / out, t.demo_run(tmp / out, "--run-id", run_id, contractor=True))
    trusted = t.city().pub  # the key the contractor received from the city, pinned with --city-key
    release = tmp / "run" / "release.json"  # run R20250901's release, which lists B001 and B002
    con_secret = tmp / "contractor.secret"

    def batch(folder, b):
        return t.batch_files(tmp / folder, b)

    def try_open(label, files, secret, name):
        global cases
        cases += 1
        d = tmp / "case"
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir()
        for n, data in files.items():
            (d / n).write_bytes(data)
        cred = ["--secret-key", con_secret] if secret else ["--key", d / (name + ".key")]
        p = t.run(*t.open_args(d, name, d / "out", *cred, release=release, city_key=trusted), want=None)
        left = [str(x.relative_to(d / "out")) for x in (d / "out").rglob("*")] if (d / "out").exists() else []
        return p, left

    this, other, old = batch("run", "R20250901-B001"), batch("run", "R20250901-B002"), batch("old", "R20250801-B001")
    for secret in (False, True):
        p, left = try_open("untouched", this, secret, "R20250901-B001")
        t.check(p.returncode == 0 and left, "the untouched batch opens (%s)" % ("secret key" if secret else "B.key"),
                p.stderr)
    for what, change, secret in variants(this, other):
        files = dict(this, **change)
        p, left = try_open(what, files, secret, "R20250901-B001")
        t.check(p.returncode == 1 and not left and "refused; nothing was extracted" in p.stderr, what + ": refused",
                "exit %d, extracted %s\n%s" % (p.returncode, left, p.stderr))
    # An old batch replayed under a new name: all five files renamed, signature and all intact.
    renamed = {n.replace("R20250801-B001", "R20250901-B004"): data for n, data in old.items()}
    for secret in (False, True):
        p, left = try_open("replayed", renamed, secret, "R20250901-B004")
        t.check(p.returncode == 1 and not left and ("the signed manifest is for batch R20250801-B001" in p.stderr
                                                    or "R20250901-B004" in p.stderr),
                "old batch replayed as R20250901-B004: refused as another batch",
                "exit %d, extracted %s\n%s" % (p.returncode, left, p.stderr))
    # Two batches' files swapped wholesale (B001's name on B002's files and back): each is refused.
    swapped = {n.replace("R20250901-B002", "R20250901-B001"): data for n, data in other.items()}
    p, left = try_open("swapped", swapped, False, "R20250901-B001")
    t.check(p.returncode == 1 and not left and ("the signed manifest is for batch R20250901-B002" in p.stderr
                                                or "R20250901-B001" in p.stderr),
            "batch B002's files under B001's name: refused as another batch",
            "exit %d, extracted %s\n%s" % (p.returncode, left, p.stderr))
    print("%d tampered batches tried" % (cases - 2))


with Test() as t:
    main(t)
