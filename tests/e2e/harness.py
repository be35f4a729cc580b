"""The one e2e harness: every tests/e2e/test_*.py (and tests/catalogue) drives the real tsuchi binary
through it. Standard library only.

    from harness import Test
    with Test() as t:                       # argv: /path/to/tsuchi /path/to/source
        p = t.run("validate", ..., want=1)  # exit code checked; a wrong one stops the test
        t.check("x" in p.stderr, "what must hold", p.stderr)

Each test gets a ledger of its own ($TSUCHI_LEDGER from CTest, emptied first; a temporary one
otherwise) and a scratch folder t.tmp removed at the end. t.city() sets up the city on that ledger
(SPEC §13): its key, `ledger init` with the pinned examples/municipality.toml and the supervisor,
then staff and approvers, each with a key of their own; t.key(USER) is ["--key", USER.secret]. Each check prints "ok" or "FAIL"; the
test ends with "N checks, M failed" and exits 1 on any failure (2 when it stopped early).
"""
import csv
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

# cases.csv (SPEC §3): the columns, and one valid row that tables of broken inputs change one field of.
CASE_HEADER = ("case_id,child_atena_no,child_name,child_birth_date,guardian_atena_no,guardian_name,postal_code,"
               "address,address_building,household_no,my_number,certification_type,care_need,facility_name,"
               "facility_public,bracket,child_order,side_dish_exempt,cash_payment,notice_kind,decision_date,"
               "period_start,period_end,reason").split(",")
BASE_CASE = dict(case_id="1001", child_atena_no="500001", child_name="熊谷　太郎", child_birth_date="2022-05-10",
                 guardian_atena_no="400001", guardian_name="熊谷　花子", postal_code="360-0012",
                 address="熊谷市上之1234-5", address_building="", household_no="300001", my_number="",
                 certification_type="3", care_need="standard", facility_name="熊谷市立中央保育所",
                 facility_public="1", bracket="D4", child_order="1", side_dish_exempt="0", cash_payment="1",
                 notice_kind="decision", decision_date="2025-04-01", period_start="2025-04", period_end="2025-06",
                 reason="")
BATCH_SUFFIXES = (".zip", ".manifest.json", ".manifest.json.sig", ".key", ".key.sealed")
RETURNS_HEADER = ["envelope_id", "reason", "at", "action"]
WORKLOG_HEADER = ["batch_id", "envelope_id", "status", "sheets", "at"]
RECEIPT_HEADER = ["batch_id", "archive_sha256", "received_at", "received_by"]


def case_row(base=BASE_CASE, **changes):
    """One cases.csv row as a list in CASE_HEADER order."""
    r = dict(base, **changes)
    return [r[h] for h in CASE_HEADER]


def cases_csv(rows, header=CASE_HEADER, newline="\n", encoding="utf-8"):
    """cases.csv bytes; a field is quoted only when it must be (RFC 4180)."""
    def cell(f):
        return '"%s"' % f.replace('"', '""') if ("," in f or '"' in f or "\n" in f) else f
    lines = [",".join(header)] + [",".join(cell(f) for f in r) for r in rows]
    return (newline.join(lines) + newline).encode(encoding)


def sha256(path_or_bytes):
    data = path_or_bytes if isinstance(path_or_bytes, bytes) else Path(path_or_bytes).read_bytes()
    return hashlib.sha256(data).hexdigest()


def flip(data, i=None, bit=0x01):
    """`data` with one bit of byte i (default: the middle; negative counts from the end) changed."""
    b = bytearray(data)
    i = len(b) // 2 if i is None else i
    b[i] ^= bit
    return bytes(b)


def is_my_number(digits):
    """12 digits whose last is the My Number check digit. The weights are the law's, not tsuchi's:
    行政手続における特定の個人を識別するための番号の利用等に関する法律施行令 第8条 (Pn the n-th digit from
    the right after the check digit, Qn = n + 1 for 1 <= n <= 6 and n - 5 for 7 <= n <= 11)."""
    if len(digits) != 12 or not digits.isdigit():
        return False
    p = [int(c) for c in digits[:11]][::-1]
    s = sum(pn * (n + 1 if n <= 6 else n - 5) for n, pn in enumerate(p, start=1))
    return int(digits[11]) == (0 if s % 11 <= 1 else 11 - s % 11)


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return Path(path)


def excel_csv(src, header=False):
    """A CSV tsuchi wrote (output_spec/csv.md), read as Excel reads it: UTF-8 after a BOM, CP932 without
    one (what Japanese Excel assumes), RFC 4180 records, and a cell written ="…" (literals joined by &)
    as the text its formula shows. Rows as dicts by header name; with header=True, (header, rows)."""
    data = src if isinstance(src, bytes) else Path(src).read_bytes()
    text = data[3:].decode("utf-8") if data.startswith(b"\xef\xbb\xbf") else data.decode("cp932")
    literal = r'"(?:[^"]|"")*"'

    def shown(cell):
        if re.fullmatch("=%s(?:&%s)*" % (literal, literal), cell):
            return "".join(part[1:-1].replace('""', '"') for part in re.findall(literal, cell))
        return cell
    records = [[shown(c) for c in r] for r in csv.reader(io.StringIO(text, newline=""), strict=True)]
    rows = [dict(zip(records[0], r)) for r in records[1:]] if records else []
    return (records[0] if records else [], rows) if header else rows


def tool(*cmd, check=True, text=True, cwd=None):
    """Runs an outside tool (pdftotext, 7z, openssl, ...) and returns its CompletedProcess."""
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=text, check=check, cwd=cwd)


def pdftext(path, layout=False):
    return tool("pdftotext", *(["-layout"] if layout else []), path, "-").stdout


def pdffonts(path):
    """pdffonts' table rows (its two header lines dropped)."""
    return tool("pdffonts", path).stdout.splitlines()[2:]


def rasterize(pdf, prefix, dpi=300, single=False):
    """Grey pages of `pdf` as PGM files (pdftoppm), in page order."""
    prefix = Path(prefix)
    tool("pdftoppm", "-r", dpi, "-gray", *(["-singlefile"] if single else []), pdf, prefix)
    if single:
        return [Path(str(prefix) + ".pgm")]
    return sorted(prefix.parent.glob(prefix.name + "-*.pgm"))


def zbar(image):
    """Codes zbarimg decodes on an image, as (symbology, value) pairs, e.g. ("QR-Code", "...")."""
    out = tool("zbarimg", "-q", image, check=False).stdout
    return [tuple(line.split(":", 1)) for line in out.splitlines() if ":" in line]


def read_pgm(path):
    """A binary PGM (P5, 8-bit) as (width, height, pixel bytes row by row)."""
    data = Path(path).read_bytes()
    fields, pos = [], 0
    while len(fields) < 4:  # P5 header: magic, width, height, maxval (comments skipped)
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos)
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    w, h = int(fields[1]), int(fields[2])
    return w, h, data[pos + 1:pos + 1 + w * h]


def image_only_pdf(form, out, scratch, dpi=150):
    """What comes back from a scanner: each page of `form` as a grey image, no text layer."""
    w, h, pixels = read_pgm(rasterize(form, Path(scratch) / (Path(form).stem + "-scan"), dpi, single=True)[0])
    pixels = zlib.compress(pixels)
    pw, ph = w * 72 / dpi, h * 72 / dpi
    draw = f"q {pw:.2f} 0 0 {ph:.2f} 0 0 cm /Scan Do Q".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {pw:.2f} {ph:.2f}] "
        f"/Resources << /XObject << /Scan 4 0 R >> >> /Contents 5 0 R >>".encode(),
        f"<< /Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace /DeviceGray "
        f"/BitsPerComponent 8 /Filter /FlateDecode /Length {len(pixels)} >>\nstream\n".encode() + pixels + b"\nendstream",
        f"<< /Length {len(draw)} >>\nstream\n".encode() + draw + b"\nendstream",
    ]
    pdf, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, body in enumerate(objects, 1):
        offsets.append(len(pdf))
        pdf += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(pdf)
    pdf += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    pdf += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    pdf += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    Path(out).write_bytes(pdf)
    return Path(out)


def find_key(obj, key):
    """The first value of `key` anywhere in parsed JSON (release.json's audit_head, sequence, ...)."""
    if isinstance(obj, dict):
        if key in obj:
            return obj[key]
        obj = list(obj.values())
    if isinstance(obj, list):
        for v in obj:
            found = find_key(v, key)
            if found is not None:
                return found
    return None


def release_field(run_dir, key):
    """A field of RUN_DIR/release.json (audit_head, sequence, run_id, ...)."""
    return find_key(json.loads((Path(run_dir) / "release.json").read_text()), key)


# ---- releases made by hand (output_spec/release.md), as an insider holding key files would ----
def canonical(obj):
    """The compact JSON release.md signs: keys sorted, no whitespace, UTF-8."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def ed25519_sign(secret_file, data, scratch):
    """Hex Ed25519 signature of DATA with an unprotected tsuchi key file, by OpenSSL (the file is PKCS#8
    PEM after its "tsuchi-key:" line)."""
    scratch = Path(scratch)
    pem, msg, sig = scratch / "signer.pem", scratch / "signed.bin", scratch / "signature.bin"
    pem.write_text("".join(l for l in Path(secret_file).read_text().splitlines(True) if not l.startswith("tsuchi-key:")))
    msg.write_bytes(data)
    tool("openssl", "pkeyutl", "-sign", "-inkey", pem, "-rawin", "-in", msg, "-out", sig)
    return sig.read_bytes().hex()


def forge_release(release, out, maker_secret, approver_secret, scratch, change=None):
    """RELEASE (a path) changed by change(dict), then signed again: the request by MAKER_SECRET and the
    whole release by APPROVER_SECRET. Returns OUT."""
    r = json.loads(Path(release).read_text())
    if change:
        change(r)
    r["maker_signature"] = ed25519_sign(maker_secret, b"tsuchi-release-request-v1\n" + canonical(r["request"]), scratch)
    signed = {k: r[k] for k in ("request", "maker_signature", "approval")}
    r["approver_signature"] = ed25519_sign(approver_secret, b"tsuchi-release-v1\n" + canonical(signed), scratch)
    Path(out).write_text(json.dumps(r, indent=2, ensure_ascii=False) + "\n")
    return Path(out)


# ---- the ledger file, as an attacker with sqlite3 sees it (output_spec/ledger.md) ----
AUDIT_FIELDS = ("seq", "at", "user", "os_user", "signer", "command", "objects", "result", "effects", "prev_hash",
                "hash", "signature")


def record_hash(prev_hash, r):
    """output_spec/ledger.md: hex SHA-256 of prev_hash + the canonical JSON of the record's signed fields."""
    body = {k: r[k] for k in ("at", "command", "effects", "os_user", "result", "seq", "signer", "user")}
    body["objects"] = json.loads(r["objects"]) if isinstance(r["objects"], str) else r["objects"]
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + text).encode()).hexdigest()


def copy_ledger(src, dst):
    """A consistent copy of a ledger file (sqlite3's backup), to tamper with."""
    a, b = sqlite3.connect(src), sqlite3.connect(dst)
    a.backup(b)
    a.close()
    b.close()
    return Path(dst)


def audit_rows(db):
    db.row_factory = sqlite3.Row
    rows = [dict(r) for r in db.execute("SELECT %s FROM audit ORDER BY seq" % ", ".join(AUDIT_FIELDS))]
    db.row_factory = None
    return rows


def rechain(db):
    """What a careful forger does after editing or deleting records: renumber 1, 2, 3… and recompute
    every prev_hash and hash by the documented rule (the signatures they cannot make stay as they were)."""
    tables = custody_tables(db)
    prev = "0" * 64
    for new_seq, r in enumerate(audit_rows(db), start=1):
        if r["seq"] != new_seq:
            for table in tables:
                db.execute("UPDATE %s SET audit_seq = ? WHERE audit_seq = ?" % table, (new_seq, r["seq"]))
            db.execute("UPDATE audit SET seq = ? WHERE seq = ?", (new_seq, r["seq"]))
            r["seq"] = new_seq
        r["prev_hash"] = prev
        prev = record_hash(prev, r)
        db.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?", (r["prev_hash"], prev, new_seq))
    db.commit()


def custody_tables(db):
    """Every table whose rows carry the audit_seq of the record that wrote them."""
    return [n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if "audit_seq" in [c[1] for c in db.execute("PRAGMA table_info(%s)" % n)]]


class Stop(Exception):
    """Raised by require() and by a run() whose exit code is wrong: later steps depend on this one."""


class RunRecord:
    """What the ledger holds about one run: its batches in order, their envelopes, sheets per envelope."""

    def __init__(self, ledger, run_id):
        self.run_id = run_id
        db = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True)
        try:
            self.batches = [r[0] for r in db.execute(
                "SELECT batch_id FROM batches WHERE run_id = ? ORDER BY position", (run_id,))]
            self.envelopes = {b: [r[0] for r in db.execute(
                "SELECT envelope_id FROM envelopes WHERE batch_id = ? ORDER BY position", (b,))] for b in self.batches}
            self.sheets = {e: s for e, s in db.execute("SELECT envelope_id, sheets FROM envelopes")}
            self.slips = db.execute("SELECT COUNT(*), SUM(amount) FROM slips WHERE run_id = ?", (run_id,)).fetchone()
        finally:
            db.close()

    def worklog(self, spoiled, not_mailed=None):
        """A contractor's work log: every envelope inserted and mailed, `spoiled` spoiled and reprinted
        first, `not_mailed` never reported mailed."""
        log = []
        for b in self.batches:
            for e in self.envelopes[b]:
                if e == spoiled:
                    log += [[b, e, "spoiled", 1, office_time()],
                            [b, e, "reprinted", self.sheets[e], office_time()]]
                log.append([b, e, "inserted", self.sheets[e], office_time()])
                if e != not_mailed:
                    log.append([b, e, "mailed", self.sheets[e], office_time()])
        return log

    def receipt(self, folder):
        """Receipt rows for every batch, with the SHA-256 of each sealed archive in `folder`."""
        return [[b, sha256(Path(folder) / f"{b}.zip"), office_time(), "desk-1"] for b in self.batches]


# The demo office (SPEC §13): one role per user. Keys are written with --no-passphrase (Argon2id is
# deliberately slow); test_identity.py opens a passphrase-protected one.
USERS = (("takahashi", "supervisor"), ("tanaka", "staff"), ("suzuki", "staff"), ("sato", "approver"),
         ("yamada", "approver"))


class City:
    """A city: its root key, a ledger initialised with the pinned configuration and the first
    supervisor, and the other USERS added and certified by that supervisor."""

    def __init__(self, t, name, ledger, municipality=None, users=USERS):
        self.t, self.name, self.ledger = t, name, Path(ledger)
        self.dir = t.tmp / name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.env = t.env_with(self.ledger)
        self.pub, self.secret = self.dir / "city.pub", self.dir / "city.secret"
        t.run("keygen", "--kind", "city", "--out", self.dir / "city")
        self.keys = {}
        (supervisor, _), rest = users[0], users[1:]
        self.supervisor = supervisor
        self.municipality = municipality or t.municipality
        t.run("ledger", "init", "--ledger", self.ledger, "--city-key", self.secret, "--municipality",
              self.municipality, "--supervisor", supervisor, "--supervisor-key", self.user_key(supervisor)[0],
              env=self.env)
        for user, role in rest:
            self.add(user, role)

    def user_key(self, user, passphrase_file=None):
        """USER's key pair in the city's folder (made on first use): (public, secret)."""
        prefix = self.dir / user
        if user not in self.keys:
            flags = ["--passphrase-file", passphrase_file] if passphrase_file else ["--no-passphrase"]
            self.t.run("keygen", "--kind", "user", "--out", prefix, *flags)
            self.keys[user] = (Path(str(prefix) + ".pub"), Path(str(prefix) + ".secret"))
        return self.keys[user]

    def key(self, user):
        return ["--key", self.user_key(user)[1]]

    def add(self, user, role, want=0, by=None):
        return self.t.run("user", "add", user, "--role", role, "--public-key", self.user_key(user)[0],
                          *self.key(by or self.supervisor), "--city-key", self.secret, env=self.env, want=want)

    def run(self, user, *args, **kw):
        """tsuchi ARGS as USER (their --key), on this city's ledger."""
        kw.setdefault("env", self.env)
        return self.t.run(*args, *self.key(user), **kw)

    def head(self):
        return self.t.json("audit", "head", "--json", env=self.env)["head"]


class Test:
    def __init__(self, argv=None, name=None):
        argv = sys.argv if argv is None else argv
        if len(argv) < 3:
            sys.exit("usage: %s /path/to/tsuchi /path/to/source" % argv[0])
        self.name = name or Path(argv[0]).stem
        self.tsuchi = str(Path(argv[1]).resolve())
        self.src = Path(argv[2]).resolve()
        self.args = argv[3:]
        self.examples = self.src / "examples"
        self.fees = self.examples / "fees.toml"
        self.municipality = self.examples / "municipality.toml"  # pinned in the ledger by t.city()
        self.fixtures = self.src / "tests" / "fixtures"
        self.tmp = Path(tempfile.mkdtemp(prefix="tsuchi-%s-" % self.name))
        self.ledger = Path(os.environ.get("TSUCHI_LEDGER") or self.tmp / "ledger.sqlite")
        self.ledger.parent.mkdir(parents=True, exist_ok=True)
        for leftover in (self.ledger, Path(f"{self.ledger}-wal"), Path(f"{self.ledger}-shm")):
            leftover.unlink(missing_ok=True)
        self.env = self.env_with(self.ledger)
        self.checks, self.failures = 0, []
        self.quiet = False  # True: print only failures (tables of hundreds of cases)
        self._city = None

    # ---- running things ----
    def env_with(self, ledger, **extra):
        """The environment with another ledger (a second office, a run that must not see this one)."""
        return dict(os.environ, TSUCHI_LEDGER=str(ledger), **extra)

    def run(self, *args, want=0, env=None, cwd=None, stop=True):
        """Runs tsuchi; checks the exit code unless want is None. A wrong code stops the test unless stop=False."""
        p = subprocess.run([self.tsuchi, *map(str, args)], capture_output=True, text=True, errors="replace",
                           env=env or self.env, cwd=cwd)
        _LAST_RUN[0] = time.time()
        if want is not None:
            ok = self.check(p.returncode == want, "tsuchi %s: exit %d" % (" ".join(map(str, args))[:200], want),
                            "exit %d\n%s%s" % (p.returncode, p.stdout[-1500:], p.stderr[-3000:]))
            if not ok and stop:
                raise Stop()
        return p

    def json(self, *args, want=0, **kw):
        """Runs tsuchi and parses its stdout as JSON."""
        p = self.run(*args, want=want, **kw)
        try:
            return json.loads(p.stdout)
        except ValueError:
            self.check(False, "tsuchi %s prints JSON" % " ".join(map(str, args))[:200], p.stdout + p.stderr)
            if kw.get("stop", True):
                raise Stop()
            return None

    # ---- checking things ----
    def check(self, ok, what, detail=""):
        self.checks += 1
        ok = bool(ok)
        if not ok:
            self.failures.append(what)
        if not ok or not self.quiet:
            print(("ok   " if ok else "FAIL ") + what + ("" if ok or detail == "" else "\n     " + str(detail)[:3000]),
                  flush=True)
        return ok

    def require(self, ok, what, detail=""):
        """A check later steps depend on: stops the test when it fails."""
        if not self.check(ok, what, detail):
            raise Stop()

    # ---- set-up shared by tests ----
    def city(self, name=None, ledger=None, **kw):
        """The city on t.ledger (set up on first use), or with a name, another city on a ledger of its own."""
        if name is None:
            if self._city is None:
                self._city = City(self, "city", self.ledger, **kw)
            return self._city
        return City(self, name, ledger or self.tmp / name / "ledger.sqlite", **kw)

    def users(self, env=None):
        """`tsuchi user list --json` by name."""
        return {u["name"]: u for u in self.json("user", "list", "--json", env=env)["users"]}

    def key(self, user):
        """["--key", USER.secret] of the city on t.ledger."""
        return self.city().key(user)

    def keygen(self, prefix, kind=None):
        """A key pair in t.tmp: returns (public, secret) paths."""
        prefix = self.tmp / prefix
        if not Path(str(prefix) + ".pub").exists():
            self.run("keygen", "--out", prefix, *(["--kind", kind] if kind else []))
        return Path(str(prefix) + ".pub"), Path(str(prefix) + ".secret")

    def demo_run(self, out, *extra, user="tanaka", contractor=False, env=None, city=None, write_key=True):
        """`tsuchi run --demo` made and signed by USER of the city (t.city() unless given), optionally sealed
        to t.tmp/contractor; with --write-key unless told (open_args opens with B.key); returns what the
        ledger holds about the run."""
        city = city or self.city()
        out = Path(out)
        args = ["run", "--demo", "--out", out, *city.key(user), *(["--write-key"] if write_key else [])]
        if contractor:
            args += ["--contractor-key", self.keygen("contractor", "contractor")[0]]
        env = env or city.env
        self.run(*args, *extra, env=env)
        run_id = json.loads((out / "run.json").read_text())["run_id"]
        return RunRecord(env["TSUCHI_LEDGER"], run_id)

    def approved(self, out, record, handed_over=(), user="sato", reviewer="suzuki", city=None):
        """Reviews the run in `out` (REVIEWER) and approves it (USER), then hands over the given batches by
        courier; RUN_DIR/release.json is then the release."""
        city = city or self.city()
        city.run(reviewer, "review", out)
        city.run(user, "approve", out)
        for b in handed_over:
            city.run("tanaka", "handover", b, "--route", "courier")
        return record

    def approved_and_not(self, approved, unapproved, handed_over=()):
        """Run R20250901 in APPROVED (made by tanaka, approved by sato, the given batches handed over) and
        run R20250902 in UNAPPROVED (made by suzuki, never approved): their RunRecords."""
        a = self.demo_run(approved, "--run-id", "R20250901")
        u = self.demo_run(unapproved, "--run-id", "R20250902", user="suzuki")
        self.approved(approved, a, handed_over=handed_over(a) if callable(handed_over) else handed_over)
        return a, u

    def open_args(self, folder, batch, out, *cred, release=None, city_key=None, city=None):
        """`tsuchi open` of BATCH in FOLDER into OUT with its release (FOLDER/release.json) and the city key
        the contractor pinned; cred defaults to --key B.key."""
        folder = Path(folder)
        return ["open", "--archive", folder / (batch + ".zip"), "--release", release or folder / "release.json",
                "--city-key", city_key or (city or self.city()).pub,
                *(cred or ["--key", folder / (batch + ".key")]), "--out", out]

    def certify(self, scan, medium, method, *extra, want=0, env=None, user="tanaka"):
        """`tsuchi import certificate` with a full set of destruction details."""
        return self.run("import", "certificate", scan, *self.key(user), "--medium", medium, "--method", method,
                        "--tool", "nwipe", "--tool-version", "0.34", "--verification", "read-back",
                        "--date", office_time()[:10], "--place", "plant", "--operator", "op-17", "--witness", "w-03",
                        *extra, want=want, env=env)

    def batch_files(self, folder, batch):
        """The five files of a sealed batch, by name."""
        return {batch + s: (Path(folder) / (batch + s)).read_bytes() for s in BATCH_SUFFIXES}

    def municipality_here(self, text=None):
        """municipality.toml text whose seal and key paths point into examples/ (for a copy placed elsewhere)."""
        text = self.municipality.read_text(encoding="utf-8") if text is None else text
        return re.sub(r'(?m)^(\s*\w+\s*=\s*")((?:seal|keys)[^"]*)"',
                      lambda g: '%s%s"' % (g.group(1), self.examples / g.group(2)), text)

    # ---- the end ----
    def __enter__(self):
        print("== %s" % self.name, flush=True)
        return self

    def __exit__(self, kind, value, tb):
        shutil.rmtree(self.tmp, ignore_errors=True)
        stopped = kind is Stop
        if kind is not None and not stopped:
            return False  # a bug in the test itself: let Python show it
        print("%s: %d checks, %d failed%s" % (self.name, self.checks, len(self.failures),
                                              "; stopped at the first failed step" if stopped else ""), flush=True)
        sys.exit(2 if stopped else 1 if self.failures else 0)


# ---- issue 12 (evidence): contractor times are checked against the ledger's clock ----
# When the last tsuchi command of this process ended (Test.run): what it recorded happened by then.
_LAST_RUN = [0.0]


def office_time(minutes=0):
    """Now (plus MINUTES) in the office's time zone (+09:00) as the contractor writes it: contractor
    times must fall after the batch's handover and not in the future. Contractor times are whole
    seconds, so a handover recorded earlier in this same second would come after it: then this
    waits for the next second (a race that failed a loaded CI run once)."""
    import datetime
    if int(time.time()) <= _LAST_RUN[0]:
        time.sleep(int(_LAST_RUN[0]) + 1 - time.time() + 0.01)
    jst = datetime.timezone(datetime.timedelta(hours=9))
    return (datetime.datetime.now(jst) + datetime.timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S+09:00")


# ---- issue 12, runs: folders, modes and owners ----
def mode(path):
    """The permission bits of PATH (not following a link), e.g. 0o600."""
    return os.lstat(path).st_mode & 0o7777


def files_in(folder):
    """Every entry of FOLDER, recursively, relative to it, with its bytes (folders as None)."""
    folder = Path(folder)
    return {str(p.relative_to(folder)): (None if p.is_dir() and not p.is_symlink() else
                                         os.readlink(p) if p.is_symlink() else p.read_bytes())
            for p in sorted(folder.rglob("*"))}


def nobody_owned(folder):
    """FOLDER made and given to the user nobody (needs root); False when it cannot be."""
    import pwd
    if os.geteuid() != 0:
        return False
    Path(folder).mkdir(parents=True, exist_ok=True)
    nobody = pwd.getpwnam("nobody")
    os.chown(folder, nobody.pw_uid, nobody.pw_gid)
    return True
