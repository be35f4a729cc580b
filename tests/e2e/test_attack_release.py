"""Held-out-style attacks on the release (SPEC §13, issue 11): one person alone cannot get a batch
opened. A batch of an unapproved run does not open (no release; a release of another run), the maker
cannot approve (not with their own key, not under a second name), a release signed twice by one
key (built by hand with OpenSSL from the maker's key file) does not open, and certificates chaining
to another city's key do not open with this city's city.pub. Each refusal exits 1, names what is
missing, and extracts nothing."""
import shutil

from harness import Test, forge_release


def refused_open(t, args, what, *needles):
    out = args[args.index("--out") + 1]
    shutil.rmtree(out, ignore_errors=True)
    p = t.run(*args, want=1, stop=False)
    extracted = list(out.rglob("*")) if out.exists() else []
    t.check("nothing was extracted" in p.stderr and not extracted, what + ": refused, nothing extracted", p.stderr)
    for n in needles:
        t.check(n in p.stderr, "%s: the message names it (%r)" % (what, n), p.stderr)
    return p


with Test() as t:
    tmp = t.tmp
    city = t.city()
    approved, unapproved = tmp / "approved", tmp / "unapproved"
    a, u = t.approved_and_not(approved, unapproved)
    b = u.batches[0]

    # An unapproved run: no release at all, then the release of another run.
    args = t.open_args(unapproved, b, tmp / "out")
    i = args.index("--release")
    p = t.run(*(args[:i] + args[i + 2:]), want=1, stop=False)
    t.check("--release" in p.stderr, "open without --release is refused, naming --release", p.stderr)
    t.require(not (unapproved / "release.json").exists(), "the unapproved run has no release")
    refused_open(t, t.open_args(unapproved, b, tmp / "out", release=approved / "release.json"),
                 "a release of another run", b)
    # A release copied beside the batch changes nothing: it does not list this batch's manifest.
    shutil.copyfile(approved / "release.json", unapproved / "release.json")
    refused_open(t, t.open_args(unapproved, b, tmp / "out"), "another run's release copied beside the batch", b)
    (unapproved / "release.json").unlink()
    # Without the city key nothing opens, not even an approved batch.
    args = t.open_args(approved, a.batches[0], tmp / "out")
    i = args.index("--city-key")
    p = t.run(*(args[:i] + args[i + 2:]), want=1, stop=False)
    t.check("--city-key" in p.stderr, "open without --city-key is refused, naming --city-key", p.stderr)

    # The maker cannot approve: staff hold no approver role, and their key cannot be registered again.
    city.run("suzuki", "review", unapproved)
    p = city.run("suzuki", "approve", unapproved, want=1)
    t.check("approver" in p.stderr, "the maker's approval is refused for want of the approver role", p.stderr)
    p = t.run("user", "add", "suzuki2", "--role", "approver", "--public-key", city.user_key("suzuki")[0],
              *city.key("takahashi"), "--city-key", city.secret, want=1)
    t.check("suzuki" in p.stderr and "registered" in p.stderr,
            "the maker's key cannot be registered a second time as an approver", p.stderr)
    t.require(not (unapproved / "release.json").exists(), "still no release for the unapproved run")

    # A release built by hand: the honest one re-signed by the two keys shows the forging is right;
    # then the maker's certificate in the approver's place, both signatures by the maker's key.
    maker, approver = city.user_key("tanaka")[1], city.user_key("sato")[1]
    resigned = forge_release(approved / "release.json", tmp / "resigned.json", maker, approver, tmp)
    t.run(*t.open_args(approved, a.batches[0], tmp / "out-resigned", release=resigned))

    def self_approved(r):
        r["approval"]["approver_certificate"] = r["request"]["maker_certificate"]
        r["approval"]["sequence"] += 10
    twice = forge_release(approved / "release.json", tmp / "twice.json", maker, maker, tmp, self_approved)
    p = refused_open(t, t.open_args(approved, a.batches[0], tmp / "out", release=twice),
                     "a release signed twice by the maker's key")
    t.check("approver" in p.stderr, "... refused for want of an approver", p.stderr)
    # The maker and an approver's real certificates, but the approver's signature made by the maker.
    stolen = forge_release(approved / "release.json", tmp / "stolen.json", maker, maker, tmp,
                           lambda r: r["approval"].update(sequence=r["approval"]["sequence"] + 20))
    refused_open(t, t.open_args(approved, a.batches[0], tmp / "out", release=stolen),
                 "an approver's certificate with the maker's signature", "signature")

    # A second city (its own key and ledger) approves its own run: those certificates chain to its key,
    # so this city's contractor, who pinned this city's city.pub, opens nothing of it.
    other = t.city("other")
    o = t.demo_run(tmp / "foreign", "--run-id", "R20250901", city=other)
    t.approved(tmp / "foreign", o, city=other)
    t.run(*t.open_args(tmp / "foreign", o.batches[0], tmp / "out-other", city=other))  # its own key: opens
    refused_open(t, t.open_args(tmp / "foreign", o.batches[0], tmp / "out", city_key=city.pub),
                 "certificates of another city key")
    # This city's batch with the other city's release (same run id, same batch ids) does not open either.
    refused_open(t, t.open_args(approved, a.batches[0], tmp / "out", release=tmp / "foreign" / "release.json"),
                 "a release issued by another city")
    t.run(*t.open_args(approved, a.batches[0], tmp / "out"))
