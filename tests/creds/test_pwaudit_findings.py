"""Issue 16 item 5: the password-policy audit finds each planted weakness exactly where it was
planted and nowhere else, on synthetic exports (pwaudit_support), and reads them only."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from pwaudit_support import NTLM_ROWS, SHA1_ROWS, Plant, nt, planted
from pwned_corpus_support import password

from canhgac.creds.audit import AgencyMap, AuditOptions, AuditReport, audit_files, name_variants
from canhgac.creds.audit.parse import SKIP, Entry, parse_line
from canhgac.creds.pwned import open_store
from canhgac.inventory.loader import load_inventory


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> tuple[Plant, list[Path], AuditReport]:
    folder = tmp_path_factory.mktemp("pwaudit")
    plant, files = planted(folder)
    ntlm, sha1 = plant.stores()
    inventory = load_inventory(plant.inventory())
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
    listing = sorted(folder.iterdir())
    options = AuditOptions(places=AgencyMap(inventory), ntlm_store=open_store(ntlm),
                           sha1_store=open_store(sha1))
    report = audit_files(files, options)
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in files} == before  # read only
    assert sorted(folder.iterdir()) == listing  # nothing written beside them
    return plant, files, report


def _found(report: AuditReport) -> dict[str, set[str]]:
    return {r.account: {f.kind for f in r.findings} for r in report.accounts}


def test_each_kind_found_exactly_where_planted(audited: tuple[Plant, list[Path], AuditReport]) -> None:
    plant, _, report = audited
    assert _found(report) == plant.expected
    assert not any(r.account.startswith("SOTTTT\\filler") for r in report.accounts)


def test_counts_groups_and_agencies(audited: tuple[Plant, list[Path], AuditReport]) -> None:
    _, _, report = audited
    by = {r.account: r for r in report.accounts}
    weak = next(f for f in by["SOTTTT\\breached"].findings if f.kind == "weak")
    assert weak.count == NTLM_ROWS[nt(password(7)).upper()]
    sha = next(f for f in by["phuong@sotttt.example.gov.vn"].findings if f.kind == "weak")
    assert sha.count == SHA1_ROWS[hashlib.sha1(password(3).encode()).hexdigest().upper()]
    groups = {(f.group, f.size) for a in ("SOTTTT\\tuan", "SOTTTT\\vy", "giang@sogd.example.gov.vn")
              for f in by[a].findings if f.kind == "shared"}
    assert len(groups) == 1 and next(iter(groups))[1] == 3
    three = next(g for g in report.shared if g.size == 3)
    assert sorted(three.places) == ["SGD", "STTTT"]
    assert by["SOTTTT\\hoa"].disabled is True and by["SOTTTT\\PC01$"].machine
    assert by["giang@sogd.example.gov.vn"].place.code == "SGD"
    assert by["SOTTTT\\lan"].place.code == "STTTT"  # NetBIOS name = the first label of its domain
    assert report.totals["STTTT"].accounts == 200 + 9 + 12  # filler, dump accounts, mail accounts
    assert report.totals["-"].accounts == 1  # 'loose': no domain, no --agency
    assert report.totals["SGD"].kinds["shared"] == 1


def test_malformed_lines_are_counted_not_fatal(audited: tuple[Plant, list[Path], AuditReport]) -> None:
    _, files, report = audited
    ntds, nt_file, passwd = report.files
    assert (ntds.malformed, ntds.history, ntds.skipped) == (3, 3, 6)
    assert ntds.accounts == 209 and (ntds.first_malformed or "").startswith(f"{files[0]}:")
    assert (nt_file.accounts, nt_file.malformed) == (3, 0)
    assert (passwd.accounts, passwd.malformed, passwd.skipped) == (12, 1, 1)


def test_salted_stats(audited: tuple[Plant, list[Path], AuditReport]) -> None:
    _, _, report = audited
    s = report.salted
    assert s.accounts == 9 and s.partly == 0
    assert s.checked + s.not_checked == s.accounts


def test_time_cap_reports_partial_checks(tmp_path: Path) -> None:
    from pwaudit_support import SHA256_STRONG

    passwd = tmp_path / "passwd"
    passwd.write_text("".join(f"u{i}@x.example:{{SHA256-CRYPT}}{SHA256_STRONG}\n" for i in range(3)))
    report = audit_files([passwd], AuditOptions(time_cap=0.0))
    from canhgac.creds.audit import hashing

    if hashing.CRYPT is None:
        assert report.salted.not_checked == 3
        return
    assert report.salted.partly == 3
    reasons = {f.reason for r in report.accounts for f in r.findings if f.kind == "not_checked"}
    assert reasons and all(r and r.startswith("time cap: 0 of ") for r in reasons)


_E = "aad3b435b51404eeaad3b435b51404ee:31d6cfe0d16ae931b73c59d7e0c089c0"


@pytest.mark.parametrize(("line", "user", "domain", "netbios", "history", "machine", "disabled"), [
    (f"CORP\\ann:1001:{_E}:::", "ann", "CORP", True, False, False, None),
    (f"corp.local\\ann_history2:1001:{_E}::: (status=Disabled)",
     "ann", "corp.local", False, True, False, True),
    (f"WS01$:1002:{_E}:::", "WS01$", None, False, False, True, None),
    ("ann@Sở.example.vn:31D6CFE0D16AE931B73C59D7E0C089C0", "ann", "sở.example.vn", False, False, False, None),
])
def test_dump_lines(line: str, user: str, domain: str | None, netbios: bool, history: bool, machine: bool,
                    disabled: bool | None) -> None:
    e = parse_line(line, "f:1")
    assert isinstance(e, Entry)
    got = (e.user, e.domain, e.netbios, e.history, e.machine, e.disabled)
    assert got == (user, domain, netbios, history, machine, disabled)


def test_skipped_and_malformed_lines() -> None:
    for line in ("", "   ", "[*] Dumping", "# comment", "ann:aes128-cts-hmac-sha1-96:" + "00" * 16):
        assert parse_line(line, "f:1") is SKIP
    for line in ("ann", "ann:123", "ann:1:zz:yy:::", "\ufffd\ufffd:\ufffd", "ann:{PLAIN.b64}%%%"):
        assert parse_line(line, "f:1") is None


def test_idn_domain_maps_to_its_agency(tmp_path: Path) -> None:
    inv = tmp_path / "inv.yaml"
    inv.write_text("version: 1\nprovince: {code: XX, name: X}\nagencies:\n"
                   "  - {code: AA, name: A, kind: department, domains: [sở.example.vn]}\n", encoding="utf-8")
    places = AgencyMap(load_inventory(inv))
    assert places.place("sở.example.vn", False).code == "AA"
    assert places.place("mail.xn--s-5xs.example.vn".replace("xn--s-5xs", "sở"), False).code == "AA"
    assert places.place("SỞ.EXAMPLE.VN", False).code == "AA"
    assert places.place("example.vn", False).code is None
    assert AgencyMap(load_inventory(inv), default="AA").place(None, False).code == "AA"
    assert AgencyMap(load_inventory(inv), {"HQ": "AA"}).place("hq", True).code == "AA"


def test_name_variants() -> None:
    got = name_variants("nguyen.van.a", ("", "123"))
    assert {"nguyen.van.a", "Nguyenvana", "NGUYENVANA123", "nguyenvana123"} <= set(got)
    assert name_variants("PC01$", ("",))[0] == "PC01" and "pc01" in name_variants("PC01$", ("",))


def test_sha_crypt_in_python_equals_crypt3() -> None:
    """Dovecot's default scheme stays checkable without ``crypt`` (Python 3.13+)."""
    import random

    from pwaudit_support import SHA256_STRONG, SHA512_NAME, STRONG_SALTED

    from canhgac.creds.audit import hashing, shacrypt

    assert shacrypt.check(SHA512_NAME, "binh123") and not shacrypt.check(SHA512_NAME, "binh1234")
    assert shacrypt.check(SHA256_STRONG, STRONG_SALTED)
    if hashing.CRYPT is None:
        return
    rng = random.Random(13)
    for _ in range(20):
        pw = "".join(rng.choice("abcXYZ019!ởđ") for _ in range(rng.randint(0, 40)))
        salt = "".join(rng.choice("./abcdefghijklmnopqrstuvwxyz0123") for _ in range(rng.randint(1, 20)))
        rounds = rng.choice([None, 1000, 1234])
        setting = f"${rng.choice('56')}$" + (f"rounds={rounds}$" if rounds else "") + salt + "$"
        reference = hashing.CRYPT.crypt(pw, setting)
        assert shacrypt.check(reference, pw) and not shacrypt.check(reference, pw + "x")


def test_without_the_crypt_module(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Python 3.13+: SHA-crypt is still tried (in Python); bcrypt and MD5-crypt are 'not checked',
    with the reason."""
    from pwaudit_support import BLF_COMMON, MD5_STRONG, SHA512_NAME

    from canhgac.creds.audit import hashing

    monkeypatch.setattr(hashing, "CRYPT", None)
    passwd = tmp_path / "passwd"
    passwd.write_text(f"binh@x.example:{{SHA512-CRYPT}}{SHA512_NAME}\n"
                      f"cuong@x.example:{{BLF-CRYPT}}{BLF_COMMON}\nduc@x.example:{MD5_STRONG}\n")
    report = audit_files([passwd], AuditOptions(common=70))
    got = {r.account: {f.kind: f.reason for f in r.findings} for r in report.accounts}
    assert got["binh@x.example"] == {"user_name": None}
    missing = "Python's crypt module is missing (removed in Python 3.13)"
    assert got["cuong@x.example"] == {"not_checked": missing}
    assert "not_checked" in got["duc@x.example"] and "weak_scheme" in got["duc@x.example"]


def test_a_file_given_twice_is_read_once(tmp_path: Path) -> None:
    dump = tmp_path / "one.txt"
    dump.write_text(f"a@x.example:{nt('Only-Once-Pw-5')}\n")
    report = audit_files([dump, tmp_path / "." / "one.txt"])
    assert [f.path for f in report.files] == [str(dump)] and report.accounts == []
