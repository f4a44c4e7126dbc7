"""mail.tls.* checks on hand-built facts: exact statuses, message keys present in the catalog."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from canhgac.catalog import load_catalog
from canhgac.engine.checks import mail_tls as m
from canhgac.engine.facts.certificate import CertificateFacts
from canhgac.engine.facts.tls import (
    CipherFamily,
    MailTlsFacts,
    StartTls,
    TlsFacts,
    TlsFailure,
    TlsProtocol,
    TrustVerdict,
)
from canhgac.engine.params import CheckParams
from canhgac.engine.results import ErrorReason, Outcome, Status

CATALOG = load_catalog()
PARAMS = CheckParams()
NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
HOST = "mail.agency.gov.test"
CHECKS = {
    "mail.tls.protocols": m.tls_protocols,
    "mail.tls.ciphers": m.tls_ciphers,
    "mail.tls.forward-secrecy": m.tls_forward_secrecy,
    "mail.tls.dh-params": m.tls_dh_params,
    "mail.tls.cert-trusted": m.tls_cert_trusted,
    "mail.tls.cert-name": m.tls_cert_name,
    "mail.tls.cert-expired": m.tls_cert_expired,
    "mail.tls.cert-expiring": m.tls_cert_expiring,
    "mail.tls.cert-key": m.tls_cert_key,
    "mail.tls.cert-signature": m.tls_cert_signature,
}
CERT = CertificateFacts(
    pem="",
    subject=f"CN={HOST}",
    common_names=(HOST,),
    dns_names=(HOST,),
    ip_addresses=(),
    issuer="O=Lab CA",
    self_issued=False,
    not_before=NOW - dt.timedelta(days=30),
    not_after=NOW + dt.timedelta(days=200),
    key_type="RSA",
    key_bits=2048,
    signature_hash="sha256",
    serial="1",
    sha256="00",
)
GOOD = TlsFacts(
    host=HOST,
    address="127.0.0.25",
    port=25,
    starttls=StartTls.SMTP,
    observed_at=NOW,
    protocols={p: p in (TlsProtocol.TLS12, TlsProtocol.TLS13) for p in TlsProtocol},
    weak_ciphers=dict.fromkeys(CipherFamily, False),
    negotiated_version="TLSv1.3",
    negotiated_cipher="TLS_AES_256_GCM_SHA384",
    forward_secrecy=True,
    dhe_accepted=False,
    certificate=CERT,
    trust=TrustVerdict.TRUSTED,
    name_match=True,
    ocsp_stapled=False,
)


def host(*endpoints: TlsFacts) -> MailTlsFacts:
    return MailTlsFacts(host=HOST, addresses=("127.0.0.25",), endpoints=endpoints)


def run(check_id: str, facts: MailTlsFacts, params: CheckParams = PARAMS) -> Outcome:
    outcome = CHECKS[check_id](facts, params)
    for lang in ("vi", "en"):
        CATALOG.message(check_id, outcome.message.key, dict(outcome.message.values), lang)
    return outcome


def verdict(check_id: str, *endpoints: TlsFacts) -> tuple[Status, str]:
    outcome = run(check_id, host(*endpoints))
    return outcome.status, outcome.message.key


@pytest.mark.parametrize("check_id", CHECKS)
def test_good_endpoint_passes(check_id: str) -> None:
    status, key = verdict(check_id, GOOD)
    assert status is Status.PASS
    assert key == ("pass" if check_id != "mail.tls.dh-params" else "no-dhe")


@pytest.mark.parametrize("check_id", CHECKS)
def test_no_tls_endpoint_and_no_address_are_not_applicable(check_id: str) -> None:
    assert verdict(check_id) == (Status.NOT_APPLICABLE, "no-tls")
    outcome = run(check_id, MailTlsFacts(host=HOST, addresses=(), endpoints=()))
    assert (outcome.status, outcome.message.key) == (Status.NOT_APPLICABLE, "no-address")


@pytest.mark.parametrize("check_id", CHECKS)
def test_unreachable_endpoint_is_an_error_not_a_pass(check_id: str) -> None:
    stalled = TlsFacts(HOST, "127.0.0.26", 993, StartTls.NONE, NOW, failure=TlsFailure.TIMEOUT, detail="slow")
    outcome = run(check_id, host(GOOD, stalled))
    assert outcome.status is Status.ERROR and outcome.error_reason is ErrorReason.TIMEOUT
    assert "127.0.0.26:993" in str(outcome.message.values["detail"])


def test_a_fault_on_any_endpoint_fails_and_names_only_faulty_endpoints() -> None:
    old = replace(
        GOOD, port=993, starttls=StartTls.NONE, protocols={**GOOD.protocols, TlsProtocol.TLS10: True}
    )
    stalled = TlsFacts(HOST, "127.0.0.26", 110, StartTls.POP3, NOW, failure=TlsFailure.TIMEOUT)
    outcome = run("mail.tls.protocols", host(GOOD, old, stalled))
    assert (outcome.status, outcome.message.key) == (Status.FAIL, "obsolete")
    assert outcome.message.values["endpoints"] == "127.0.0.25:993 TLS"
    assert outcome.message.values["protocols"] == "TLSv1.0"
    assert [e["verdict"] for e in outcome.evidence["endpoints"]] == ["ok", "fault", "untested"]  # type: ignore[index, union-attr]


def test_protocols() -> None:
    untestable = replace(
        GOOD,
        protocols={**GOOD.protocols, TlsProtocol.SSL3: None},
        untested={"protocol:SSLv3": "nassl unavailable"},
    )
    assert verdict("mail.tls.protocols", untestable)[0] is Status.ERROR
    sslv3 = replace(GOOD, protocols={**GOOD.protocols, TlsProtocol.SSL3: True, TlsProtocol.SSL2: None})
    assert verdict("mail.tls.protocols", sslv3) == (Status.FAIL, "obsolete")
    nothing_modern = replace(GOOD, protocols=dict.fromkeys(TlsProtocol, False))
    assert verdict("mail.tls.protocols", nothing_modern) == (Status.FAIL, "no-modern")
    refused = TlsFacts(
        HOST,
        "127.0.0.25",
        465,
        StartTls.NONE,
        NOW,
        failure=TlsFailure.HANDSHAKE,
        protocols={**dict.fromkeys(TlsProtocol, False), TlsProtocol.SSL3: True},
    )
    assert verdict("mail.tls.protocols", refused) == (Status.FAIL, "obsolete")
    assert verdict("mail.tls.cert-key", refused)[0] is Status.ERROR


def test_ciphers_and_key_exchange() -> None:
    rc4 = replace(GOOD, weak_ciphers={**GOOD.weak_ciphers, CipherFamily.RC4: True},
                  accepted_suites={CipherFamily.RC4: {TlsProtocol.TLS12: ("RC4-SHA",)}})
    outcome = run("mail.tls.ciphers", host(rc4))
    assert (outcome.status, outcome.message.values["suites"]) == (Status.FAIL, "TLSv1.2: RC4-SHA")
    unknown = replace(GOOD, weak_ciphers={**GOOD.weak_ciphers, CipherFamily.EXPORT: None})
    assert verdict("mail.tls.ciphers", unknown)[0] is Status.ERROR
    rsa = replace(
        GOOD, negotiated_version="TLSv1.2", negotiated_cipher="AES128-GCM-SHA256", forward_secrecy=False
    )
    assert verdict("mail.tls.forward-secrecy", rsa) == (Status.FAIL, "no-fs")
    assert verdict("mail.tls.dh-params", replace(GOOD, dhe_accepted=True, dh_bits=1024)) == (
        Status.FAIL,
        "small",
    )
    assert verdict("mail.tls.dh-params", replace(GOOD, dhe_accepted=True, dh_bits=3072)) == (
        Status.PASS,
        "pass",
    )
    assert verdict("mail.tls.dh-params", replace(GOOD, dhe_accepted=True))[0] is Status.ERROR
    assert verdict("mail.tls.dh-params", replace(GOOD, dhe_accepted=None))[0] is Status.ERROR


# issue 11 item 1: a forward-secret default suite hid static-RSA suites accepted beside it
STATIC_EXTRA = replace(
    GOOD,
    weak_ciphers={**GOOD.weak_ciphers, CipherFamily.STATIC_KX: True, CipherFamily.CBC_SHA1: True},
    accepted_suites={
        CipherFamily.STATIC_KX: {TlsProtocol.TLS12: ("AES128-SHA",), TlsProtocol.TLS10: ("AES128-SHA",)},
        CipherFamily.CBC_SHA1: {TlsProtocol.TLS12: ("ECDHE-RSA-AES128-SHA", "AES128-SHA")},
    },
)


def test_static_rsa_beside_forward_secret_default_fails_forward_secrecy() -> None:
    outcome = run("mail.tls.forward-secrecy", host(STATIC_EXTRA))
    assert (outcome.status, outcome.message.key) == (Status.FAIL, "static-kx")
    assert outcome.message.values["suites"] == "TLSv1.2: AES128-SHA; TLSv1.0: AES128-SHA"
    endpoint = outcome.evidence["endpoints"][0]
    assert endpoint["static_kx_suites"] == {"TLSv1.0": ["AES128-SHA"], "TLSv1.2": ["AES128-SHA"]}
    for lang in ("vi", "en"):
        text = CATALOG.message("mail.tls.forward-secrecy", "static-kx", outcome.message.values, lang)
        assert "TLSv1.2: AES128-SHA" in text


def test_weak_cipher_evidence_lists_every_suite_per_family_and_version() -> None:
    outcome = run("mail.tls.ciphers", host(STATIC_EXTRA))
    assert (outcome.status, outcome.message.values["families"]) == (Status.FAIL, "CBC_SHA1")
    assert outcome.message.values["suites"] == "TLSv1.2: AES128-SHA, ECDHE-RSA-AES128-SHA"
    assert outcome.evidence["endpoints"][0]["accepted_suites"] == {
        "CBC_SHA1": {"TLSv1.2": ["AES128-SHA", "ECDHE-RSA-AES128-SHA"]}
    }


def test_static_kx_untestable_is_an_error_not_a_pass() -> None:
    unknown = replace(GOOD, weak_ciphers={**GOOD.weak_ciphers, CipherFamily.STATIC_KX: None})
    assert verdict("mail.tls.forward-secrecy", unknown)[0] is Status.ERROR
    assert verdict("mail.tls.ciphers", unknown) == (Status.PASS, "pass")  # judged by forward secrecy


def test_small_dh_group_names_the_dhe_suite() -> None:
    small = replace(GOOD, dhe_accepted=True, dh_bits=1024, dhe_suite="DHE-RSA-AES128-GCM-SHA256")
    outcome = run("mail.tls.dh-params", host(small))
    assert outcome.message.values["suite"] == "DHE-RSA-AES128-GCM-SHA256"
    assert outcome.evidence["endpoints"][0]["dhe_suites"] == {"TLSv1.2": ["DHE-RSA-AES128-GCM-SHA256"]}


@pytest.mark.parametrize(
    ("trust", "key"),
    [
        (TrustVerdict.SELF_SIGNED, "self-signed"),
        (TrustVerdict.SELF_SIGNED_IN_CHAIN, "self-signed"),
        (TrustVerdict.UNTRUSTED_ISSUER, "untrusted-issuer"),
        (TrustVerdict.INVALID, "invalid"),
        (TrustVerdict.BAD_SIGNATURE, "invalid"),
    ],
)
def test_trust_verdicts(trust: TrustVerdict, key: str) -> None:
    facts = replace(GOOD, trust=trust, trust_detail="26: unsupported certificate purpose")
    assert verdict("mail.tls.cert-trusted", facts) == (Status.FAIL, key)


def test_certificate_dates_and_thresholds() -> None:
    expired = replace(GOOD, certificate=replace(CERT, not_after=NOW - dt.timedelta(days=3)))
    outcome = run("mail.tls.cert-expired", host(expired))
    assert (outcome.status, outcome.message.values["days"]) == (Status.FAIL, 3)
    assert verdict("mail.tls.cert-expiring", expired) == (Status.NOT_APPLICABLE, "expired")
    future = replace(GOOD, certificate=replace(CERT, not_before=NOW + dt.timedelta(days=1)))
    assert verdict("mail.tls.cert-expired", future) == (Status.FAIL, "not-yet-valid")
    soon = replace(GOOD, certificate=replace(CERT, not_after=NOW + dt.timedelta(days=20, hours=1)))
    outcome = run("mail.tls.cert-expiring", host(soon))
    assert (outcome.status, outcome.message.values["days"]) == (Status.FAIL, 20)
    relaxed = CheckParams(cert_expiry_warning_days=14)
    assert run("mail.tls.cert-expiring", host(soon), relaxed).status is Status.PASS


@pytest.mark.parametrize(
    ("key_type", "bits", "status"),
    [
        ("RSA", 1024, Status.FAIL),
        ("RSA", 2048, Status.PASS),
        ("EC", 224, Status.FAIL),
        ("EC", 256, Status.PASS),
        ("DSA", 1024, Status.FAIL),
        ("Ed25519", 256, Status.PASS),
        ("unknown", 0, Status.ERROR),
    ],
)
def test_certificate_key(key_type: str, bits: int, status: Status) -> None:
    facts = replace(GOOD, certificate=replace(CERT, key_type=key_type, key_bits=bits))
    assert verdict("mail.tls.cert-key", facts)[0] is status


@pytest.mark.parametrize(
    ("algorithm", "status"),
    [("sha1", Status.FAIL), ("md5", Status.FAIL), ("sha384", Status.PASS), (None, Status.PASS)],
)
def test_certificate_signature(algorithm: str | None, status: Status) -> None:
    facts = replace(GOOD, certificate=replace(CERT, signature_hash=algorithm))
    assert verdict("mail.tls.cert-signature", facts)[0] is status


def test_name_mismatch_lists_the_certificate_names() -> None:
    facts = replace(
        GOOD, name_match=False, certificate=replace(CERT, dns_names=("www.other.test", "other.test"))
    )
    outcome = run("mail.tls.cert-name", host(facts))
    assert outcome.status is Status.FAIL
    assert outcome.message.values["names"] == "www.other.test, other.test"
