"""analyze_tls against real loopback TLS servers: planted faults, hostile servers, the run cache."""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dh
from test_tls_support import Behaviour, TlsTestServer, context

from canhgac.engine.checks import mail_tls as checks
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
from canhgac.engine.results import ErrorReason, Status
from canhgac.engine.tls.analysis import analyze_tls
from canhgac.engine.tls.legacy import NASSL_ERROR
from canhgac.lab.pki import LabCA, server_context

HOST = "mail.agency.gov.test"
CA = LabCA()
PARAMS = CheckParams()
ALL_CHECKS = {
    "mail.tls.protocols": checks.tls_protocols,
    "mail.tls.ciphers": checks.tls_ciphers,
    "mail.tls.forward-secrecy": checks.tls_forward_secrecy,
    "mail.tls.dh-params": checks.tls_dh_params,
    "mail.tls.cert-trusted": checks.tls_cert_trusted,
    "mail.tls.cert-name": checks.tls_cert_name,
    "mail.tls.cert-expired": checks.tls_cert_expired,
    "mail.tls.cert-expiring": checks.tls_cert_expiring,
    "mail.tls.cert-key": checks.tls_cert_key,
    "mail.tls.cert-signature": checks.tls_cert_signature,
}
# RFC 2409 6.2: the 1024-bit MODP group (Oakley group 2), a classic too-small DH group
OAKLEY2 = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF",
    16,
)


@pytest.fixture(scope="module")
def ca_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(CA.write_ca(tmp_path_factory.mktemp("ca")))


def tls(cert: tuple[str, str] | None = None, **kwargs: object) -> ssl.SSLContext:
    return server_context(cert or CA.issue([HOST]), **kwargs)  # type: ignore[arg-type]


async def analyse(server: TlsTestServer, ca_file: str | None, starttls: StartTls = StartTls.NONE) -> TlsFacts:
    ctx = context(ca_file)
    return await analyze_tls(ctx, host=HOST, address=server.address, port=server.port, starttls=starttls)


def verdicts(facts: TlsFacts) -> dict[str, tuple[Status, str]]:
    host = MailTlsFacts(host=HOST, addresses=(facts.address,), endpoints=(facts,))
    out = {}
    for cid, func in ALL_CHECKS.items():
        outcome = func(host, PARAMS)
        out[cid] = (outcome.status, outcome.message.key)
    return out


def failing(facts: TlsFacts) -> dict[str, str]:
    return {cid: key for cid, (status, key) in verdicts(facts).items() if status is not Status.PASS}


async def test_good_server_passes_all_ten_checks(ca_file: str) -> None:
    async with TlsTestServer(tls()) as server:
        facts = await analyse(server, ca_file)
    assert facts.failure is None
    assert facts.protocols[TlsProtocol.TLS13] is True and facts.protocols[TlsProtocol.TLS12] is True
    assert facts.trust is TrustVerdict.TRUSTED and facts.name_match is True
    assert facts.negotiated_version == "TLSv1.3" and facts.forward_secrecy is True
    assert failing(facts) == {}
    assert 5 <= facts.handshakes <= 14


@pytest.mark.parametrize("mode", ["smtp", "imap", "pop3"])
async def test_starttls_preambles(ca_file: str, mode: str) -> None:
    async with TlsTestServer(tls(), Behaviour(starttls=mode)) as server:
        facts = await analyse(server, ca_file, StartTls(mode))
    assert facts.failure is None, facts.detail
    assert facts.certificate is not None and facts.certificate.dns_names == (HOST,)
    assert failing(facts) == {}


@pytest.mark.parametrize("mode", ["smtp", "pop3"])
async def test_starttls_not_offered_is_a_fact(ca_file: str, mode: str) -> None:
    async with TlsTestServer(None, Behaviour(starttls=mode, offer_starttls=False)) as server:
        facts = await analyse(server, ca_file, StartTls(mode))
    assert facts.failure is TlsFailure.NO_STARTTLS
    assert facts.handshakes == 1


async def test_old_protocols_found_or_untestable(ca_file: str) -> None:
    old = tls(minimum_version=ssl.TLSVersion.TLSv1, ciphers="ALL:@SECLEVEL=0")
    async with TlsTestServer(old) as server:
        facts = await analyse(server, ca_file)
    outcome = checks.tls_protocols(MailTlsFacts(HOST, (server.address,), (facts,)), PARAMS)
    if facts.protocols[TlsProtocol.TLS10] is None:  # this OpenSSL cannot test it
        assert outcome.status is Status.ERROR
    else:
        assert facts.protocols[TlsProtocol.TLS10] is True and facts.protocols[TlsProtocol.TLS11] is True
        assert (outcome.status, outcome.message.key) == (Status.FAIL, "obsolete")
        assert "TLSv1.0" in str(outcome.message.values["protocols"])
    assert facts.protocols[TlsProtocol.SSL3] is (None if NASSL_ERROR else False)


@pytest.mark.skipif(bool(NASSL_ERROR), reason="nassl pins TLS 1.0/1.1 when this OpenSSL cannot")
async def test_static_rsa_suite_is_reported_at_every_version_that_accepts_it(ca_file: str) -> None:
    """Issue 11 item 1: the suites are enumerated per protocol version, old ones included."""
    old = tls(minimum_version=ssl.TLSVersion.TLSv1,
              ciphers="ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA:@SECLEVEL=0")
    async with TlsTestServer(old) as server:
        facts = await analyse(server, ca_file)
    expected = {p: ("AES128-SHA",) for p in (TlsProtocol.TLS10, TlsProtocol.TLS11, TlsProtocol.TLS12)}
    assert facts.accepted_suites == {CipherFamily.STATIC_KX: expected, CipherFamily.CBC_SHA1: expected}
    assert facts.weak_ciphers == {**dict.fromkeys(CipherFamily, False),
                                  CipherFamily.STATIC_KX: True, CipherFamily.CBC_SHA1: True}


async def test_cbc_sha1_suite_is_a_weak_cipher(ca_file: str) -> None:
    weak = tls(
        maximum_version=ssl.TLSVersion.TLSv1_2, ciphers="ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA"
    )
    async with TlsTestServer(weak) as server:
        facts = await analyse(server, ca_file)
    assert facts.weak_ciphers[CipherFamily.CBC_SHA1] is True
    assert facts.accepted_suites == {CipherFamily.CBC_SHA1: {TlsProtocol.TLS12: ("ECDHE-RSA-AES128-SHA",)}}
    assert failing(facts) == {"mail.tls.ciphers": "weak"}


async def test_static_rsa_key_exchange_has_no_forward_secrecy(ca_file: str) -> None:
    rsa_kx = tls(maximum_version=ssl.TLSVersion.TLSv1_2, ciphers="AES256-GCM-SHA384")
    async with TlsTestServer(rsa_kx) as server:
        facts = await analyse(server, ca_file)
    assert facts.negotiated_cipher == "AES256-GCM-SHA384" and facts.forward_secrecy is False
    assert failing(facts) == {"mail.tls.forward-secrecy": "no-fs"}



@pytest.mark.parametrize("mode", [StartTls.NONE, StartTls.SMTP])
async def test_static_rsa_suites_beside_a_forward_secret_default_are_each_reported(
    ca_file: str, mode: StartTls
) -> None:
    """Issue 11 item 1: the default handshake is TLS 1.3, yet static-RSA suites are accepted."""
    server_tls = tls(minimum_version=ssl.TLSVersion.TLSv1_2,
                     ciphers="ECDHE-RSA-AES256-GCM-SHA384:AES128-SHA:AES256-GCM-SHA384")
    behaviour = Behaviour(starttls=mode.value) if mode is not StartTls.NONE else Behaviour()
    async with TlsTestServer(server_tls, behaviour) as server:
        facts = await analyse(server, ca_file, mode)
    assert facts.negotiated_version == "TLSv1.3" and facts.forward_secrecy is True
    static = facts.accepted_suites[CipherFamily.STATIC_KX]
    assert set(static) == {TlsProtocol.TLS12}
    assert sorted(static[TlsProtocol.TLS12]) == ["AES128-SHA", "AES256-GCM-SHA384"]
    assert facts.accepted_suites[CipherFamily.CBC_SHA1] == {TlsProtocol.TLS12: ("AES128-SHA",)}
    assert failing(facts) == {"mail.tls.forward-secrecy": "static-kx", "mail.tls.ciphers": "weak"}
    # baseline, four protocol probes, two refused class offers, two accepted suites, DHE, OCSP
    assert facts.handshakes <= 12, facts.handshakes


@pytest.mark.skipif(bool(NASSL_ERROR), reason="nassl is needed to read the DH group size")
async def test_small_dh_group(ca_file: str, tmp_path: Path) -> None:
    params = dh.DHParameterNumbers(OAKLEY2, 2).parameters()
    pem = tmp_path / "dh.pem"
    pem.write_bytes(params.parameter_bytes(serialization.Encoding.PEM, serialization.ParameterFormat.PKCS3))
    server_tls = tls(maximum_version=ssl.TLSVersion.TLSv1_2, ciphers="DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0")
    server_tls.load_dh_params(str(pem))
    async with TlsTestServer(server_tls) as server:
        facts = await analyse(server, ca_file)
    assert facts.dhe_accepted is True and facts.dh_bits == 1024
    assert failing(facts) == {"mail.tls.dh-params": "small"}


def _cert_cases() -> Iterator[tuple[str, tuple[str, str], dict[str, str]]]:
    now = dt.datetime.now(dt.UTC)
    yield (
        "expired",
        CA.issue([HOST], expired=True),
        {"mail.tls.cert-expired": "expired", "mail.tls.cert-expiring": "expired"},
    )
    yield (
        "expiring",
        CA.issue([HOST], not_after=now + dt.timedelta(days=10)),
        {"mail.tls.cert-expiring": "expiring"},
    )
    yield (
        "not-yet-valid",
        CA.issue([HOST], not_before=now + dt.timedelta(days=2)),
        {"mail.tls.cert-expired": "not-yet-valid"},
    )
    yield "self-signed", CA.issue([HOST], self_signed=True), {"mail.tls.cert-trusted": "self-signed"}
    yield "wrong-name", CA.issue(["www.other.gov.test"]), {"mail.tls.cert-name": "mismatch"}
    yield "wildcard", CA.issue(["*.agency.gov.test"]), {}
    yield "rsa1024", CA.issue([HOST], key_type="rsa1024"), {"mail.tls.cert-key": "weak"}
    yield "ec256", CA.issue([HOST], key_type="ec256"), {}
    yield "sha1", CA.issue([HOST], signature_hash="sha1"), {"mail.tls.cert-signature": "weak"}
    yield "other-ca", LabCA("someone else").issue([HOST]), {"mail.tls.cert-trusted": "untrusted-issuer"}


@pytest.mark.parametrize(("name", "cert", "expected"), list(_cert_cases()), ids=[c[0] for c in _cert_cases()])
async def test_certificate_faults(
    ca_file: str, name: str, cert: tuple[str, str], expected: dict[str, str]
) -> None:
    async with TlsTestServer(tls(cert, ciphers="ECDHE:@SECLEVEL=0")) as server:
        facts = await analyse(server, ca_file)
    assert facts.failure is None, facts.detail
    got = failing(facts)
    got.pop("mail.tls.ciphers", None)  # a SECLEVEL=0 server also accepts CBC-SHA1 suites
    assert got == expected


async def test_system_store_does_not_trust_the_lab_ca() -> None:
    async with TlsTestServer(tls()) as server:
        facts = await analyse(server, None)
    assert facts.trust is TrustVerdict.UNTRUSTED_ISSUER


@pytest.mark.parametrize(
    ("behaviour", "starttls", "failure"),
    [
        (Behaviour(stall_handshake=True), StartTls.NONE, TlsFailure.TIMEOUT),
        (Behaviour(starttls="smtp", stall_handshake=True), StartTls.SMTP, TlsFailure.TIMEOUT),
        (Behaviour(starttls="smtp", reset_after_starttls=True), StartTls.SMTP, TlsFailure.CONNECTION),
        (Behaviour(starttls="imap", reset_after_starttls=True), StartTls.IMAP, TlsFailure.CONNECTION),
        (Behaviour(starttls="smtp", garbage_greeting=True), StartTls.SMTP, TlsFailure.PROTOCOL),
        (Behaviour(starttls="pop3", garbage_greeting=True), StartTls.POP3, TlsFailure.PROTOCOL),
        (Behaviour(starttls="smtp", endless_line=True), StartTls.SMTP, TlsFailure.PROTOCOL),
    ],
    ids=[
        "stall-tls",
        "stall-starttls",
        "reset-smtp",
        "reset-imap",
        "garbage-smtp",
        "garbage-pop3",
        "endless",
    ],
)
async def test_hostile_servers_give_error_facts_in_time(
    ca_file: str, behaviour: Behaviour, starttls: StartTls, failure: TlsFailure
) -> None:
    started = time.perf_counter()
    async with TlsTestServer(tls(), behaviour) as server:
        facts = await analyse(server, ca_file, starttls)
    assert time.perf_counter() - started < 5
    assert facts.failure is failure, facts.detail
    assert facts.handshakes == 1  # nothing more is tried after the first connection failed
    for status, _ in verdicts(facts).values():
        assert status is Status.ERROR
    outcome = checks.tls_cert_trusted(MailTlsFacts(HOST, (server.address,), (facts,)), PARAMS)
    expected = ErrorReason.TIMEOUT if failure is TlsFailure.TIMEOUT else failure.error_reason
    assert outcome.error_reason is expected


async def test_closed_port_is_a_fact(ca_file: str) -> None:
    async with TlsTestServer(tls()) as server:
        address, port = server.address, server.port
    facts = await analyze_tls(context(ca_file), host=HOST, address=address, port=port, starttls=StartTls.SMTP)
    assert facts.failure is TlsFailure.CLOSED


async def test_cache_makes_one_set_of_handshakes(ca_file: str) -> None:
    ctx = context(ca_file)
    async with TlsTestServer(tls()) as server:
        first, second = await asyncio.gather(
            analyze_tls(ctx, host=HOST, address=server.address, port=server.port, starttls=StartTls.NONE),
            analyze_tls(
                ctx, host=HOST.upper() + ".", address=server.address, port=server.port, starttls=StartTls.NONE
            ),
        )
        after_two = server.connections
        third = await analyze_tls(
            ctx, host=HOST, address=server.address, port=server.port, starttls=StartTls.NONE
        )
        assert server.connections == after_two == first.handshakes
    assert first is second is third
