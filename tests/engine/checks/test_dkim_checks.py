"""mail.dkim.* checks on hand-built facts: exact statuses and message keys (present in the catalog)."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from canhgac.catalog import load_catalog
from canhgac.engine.checks.mail_dkim import dkim_key_strength, dkim_present, dkim_syntax
from canhgac.engine.facts.dns import DnsStatus, Lookup
from canhgac.engine.facts.mail_domain import DkimFacts, DkimSelector, MxFacts, MxHost
from canhgac.engine.mailauth.dkim import parse_dkim_key
from canhgac.engine.params import CheckParams
from canhgac.engine.results import ErrorReason, Outcome, Status
from canhgac.lab import keys

CATALOG = load_catalog()
PARAMS = CheckParams()
OK, NX, SERVFAIL = DnsStatus.OK, DnsStatus.NXDOMAIN, DnsStatus.SERVFAIL
D = "agency.gov.test"
MAIL = MxFacts(D, Lookup(D, "MX", OK, ("10 mail.agency.gov.test.",)), (MxHost(10, f"mail.{D}"),))
NULL = MxFacts(D, Lookup(D, "MX", OK, ("0 .",)), (MxHost(0, ""),))
MX_FAILED = MxFacts(D, Lookup(D, "MX", SERVFAIL), ())


def key(bits: int) -> str:
    if bits < 1024:  # cryptography will not generate such keys; a public key needs no primes
        public = rsa.RSAPublicNumbers(65537, (1 << (bits - 1)) | 0x10001).public_key()
        der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        return f"v=DKIM1; p={base64.b64encode(der).decode()}"
    return f"v=DKIM1; k=rsa; p={keys.dkim_public_key_b64(bits)}"


def sel(name: str, *records: str, status: DnsStatus | None = None) -> DkimSelector:
    lookup = Lookup(f"{name}._domainkey.{D}", "TXT", status or (OK if records else NX), records)
    return DkimSelector(name, lookup, tuple(parse_dkim_key(r) for r in records))


def dkim(*selectors: DkimSelector) -> DkimFacts:
    probed = {s.selector for s in selectors}
    rest = tuple(sel(n) for n in ("default", "mail", "selector1") if n not in probed)
    return DkimFacts(D, (*selectors, *rest))


def verdict(check_id: str, outcome: Outcome) -> tuple[Status, str]:
    for lang in ("vi", "en"):
        CATALOG.message(check_id, outcome.message.key, dict(outcome.message.values), lang)
    return outcome.status, outcome.message.key


def test_present() -> None:
    c = "mail.dkim.present"
    assert verdict(c, dkim_present(dkim(sel("s1", key(2048))), MAIL, PARAMS)) == (Status.PASS, "pass")
    missing = dkim_present(dkim(), MAIL, PARAMS)
    assert verdict(c, missing) == (Status.FAIL, "missing")
    assert missing.message.values["probed"] == "default, mail, selector1"
    assert verdict(c, dkim_present(dkim(sel("old", "v=DKIM1; p=")), MAIL, PARAMS)) == (
        Status.FAIL,
        "only-revoked",
    )
    both = dkim_present(dkim(sel("old", "v=DKIM1; p="), sel("new", key(2048))), MAIL, PARAMS)
    assert verdict(c, both) == (Status.PASS, "pass")
    assert verdict(c, dkim_present(dkim(), NULL, PARAMS)) == (Status.NOT_APPLICABLE, "null-mx")
    assert verdict(c, dkim_present(dkim(sel("s1", "v=DKIM1; p=!!")), MAIL, PARAMS)) == (
        Status.FAIL,
        "missing",
    )


def test_present_errors_when_nothing_found_and_a_lookup_failed() -> None:
    outcome = dkim_present(dkim(sel("s1", status=SERVFAIL)), MAIL, PARAMS)
    assert (outcome.status, outcome.error_reason) == (Status.ERROR, ErrorReason.DNS_SERVFAIL)
    # A key found elsewhere settles it despite the failure.
    ok = dkim_present(dkim(sel("s1", status=SERVFAIL), sel("s2", key(2048))), MAIL, PARAMS)
    assert ok.status is Status.PASS
    # Unknown MX: the domain may be a null-MX domain, so absence is not a finding.
    unknown = dkim_present(dkim(), MX_FAILED, PARAMS)
    assert (unknown.status, unknown.error_reason) == (Status.ERROR, ErrorReason.DNS_SERVFAIL)


def test_syntax() -> None:
    c = "mail.dkim.syntax"
    assert verdict(c, dkim_syntax(dkim(sel("s1", key(2048)), sel("r", "v=DKIM1; p=")), PARAMS)) == (
        Status.PASS,
        "pass",
    )
    bad = dkim_syntax(dkim(sel("s1", key(2048)), sel("s2", "v=DKIM1; p=Zm9vYmFy")), PARAMS)
    assert verdict(c, bad) == (Status.FAIL, "invalid")
    assert bad.message.values == {"selectors": "s2", "problems": "bad-key"}
    assert verdict(c, dkim_syntax(dkim(sel("s1", "k=dsa; p=AAAA")), PARAMS)) == (Status.FAIL, "invalid")
    assert verdict(c, dkim_syntax(dkim(), PARAMS)) == (Status.NOT_APPLICABLE, "no-records")
    assert dkim_syntax(dkim(sel("s1", status=DnsStatus.TIMEOUT)), PARAMS).error_reason is ErrorReason.TIMEOUT


def test_key_strength() -> None:
    c = "mail.dkim.key-strength"
    assert verdict(c, dkim_key_strength(dkim(sel("s1", key(2048))), PARAMS)) == (Status.PASS, "pass")
    below = dkim_key_strength(dkim(sel("s1", key(2048)), sel("old", key(1024))), PARAMS)
    assert verdict(c, below) == (Status.FAIL, "below-recommended")
    assert below.evidence["severity"] == "medium"
    assert below.message.values["keys"] == "old (rsa 1024)"
    weak = dkim_key_strength(dkim(sel("tiny", key(512)), sel("old", key(1024))), PARAMS)
    assert verdict(c, weak) == (Status.FAIL, "weak")
    assert weak.evidence["severity"] == "high"
    assert verdict(c, dkim_key_strength(dkim(sel("r", "v=DKIM1; p=")), PARAMS)) == (
        Status.NOT_APPLICABLE,
        "no-key",
    )
    strict = CheckParams(dkim_min_rsa_bits=2048, dkim_recommended_rsa_bits=4096)
    assert dkim_key_strength(dkim(sel("s1", key(1024))), strict).message.key == "weak"
