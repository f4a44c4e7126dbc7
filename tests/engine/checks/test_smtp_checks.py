"""mail.smtp.* checks on hand-built facts: exact verdicts, message keys present in the catalog."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from canhgac.catalog import load_catalog
from canhgac.engine.checks import mail_smtp as m
from canhgac.engine.checks.tlsa_match import tlsa_matches
from canhgac.engine.facts.dns import DnsStatus, HostAddresses, Lookup
from canhgac.engine.facts.smtp import (
    Reply,
    SmtpFacts,
    SmtpSession,
    StartTlsResult,
    StopReason,
    TlsaFacts,
    TlsaRecord,
)
from canhgac.engine.params import CheckParams
from canhgac.engine.results import ErrorReason, Outcome, Status

CATALOG = load_catalog()
PARAMS = CheckParams()
HOST = "mail.agency.gov.test"
A1, A2 = "127.25.1.1", "127.25.1.2"
GOOD_EHLO = Reply(250, (HOST, "PIPELINING", "SIZE 10240000", "STARTTLS", "8BITMIME"))


def session(address: str = A1, port: int = 25, **changes: Any) -> SmtpSession:
    base = SmtpSession(
        address,
        port,
        False,
        greeting=Reply(220, (f"{HOST} ESMTP",)),
        hello=GOOD_EHLO,
        esmtp=True,
        extensions=tuple(GOOD_EHLO.ehlo_keywords().items()),
        vrfy_known=Reply(252, ("2.0.0 send some mail",)),
        vrfy_unknown=Reply(252, ("2.0.0 send some mail",)),
        expn_known=Reply(502, ("5.5.1 no",)),
        expn_unknown=Reply(502, ("5.5.1 no",)),
        relay_probed=True,
        relay_mail=Reply(250, ("2.1.0 Ok",)),
        relay_rcpt=Reply(554, ("5.7.1 Relay access denied",)),
        relay_reset=Reply(250, ("2.0.0 Ok",)),
    )
    return replace(base, **changes)


def facts(
    *sessions: SmtpSession,
    addresses: tuple[str, ...] = (A1,),
    intrusive: bool = True,
    refused: tuple[tuple[str, str], ...] = (),
    tls_ok: bool | None = True,
) -> SmtpFacts:
    lookups = (Lookup(HOST, "A", DnsStatus.OK if addresses else DnsStatus.NXDOMAIN, addresses),)
    tls = tuple(
        StartTlsResult(a, 25, tls_ok, "" if tls_ok else "handshake", "", (b"der",)) for a in addresses
    )
    return SmtpFacts(
        HOST, HostAddresses(HOST, lookups, addresses), refused, sessions or (session(),), tls, intrusive
    )


Check = Callable[[SmtpFacts, CheckParams], Outcome]


def verdict(check_id: str, func: Check, f: SmtpFacts) -> tuple[Status, str]:
    outcome = func(f, PARAMS)
    for lang in ("vi", "en"):
        CATALOG.message(check_id, outcome.message.key, dict(outcome.message.values), lang)
    return outcome.status, outcome.message.key


ALL: dict[str, Check] = {
    "mail.smtp.reachable": m.smtp_reachable,
    "mail.smtp.banner": m.smtp_banner,
    "mail.smtp.starttls": m.smtp_starttls,
    "mail.smtp.auth-plaintext": m.smtp_auth_plaintext,
    "mail.smtp.vrfy": m.smtp_vrfy,
    "mail.smtp.vrfy-enabled": m.smtp_vrfy_enabled,
    "mail.smtp.open-relay": m.smtp_open_relay,
}


def test_a_good_host_passes_everything() -> None:
    f = facts(session(), session(A2), addresses=(A1, A2))
    assert {cid: verdict(cid, func, f) for cid, func in ALL.items()} == {
        cid: (Status.PASS, "pass") for cid in ALL
    }


@pytest.mark.parametrize(
    ("check_id", "changes", "expected"),
    [
        ("mail.smtp.reachable", {"greeting": Reply(554, ("5.7.1 go away",))}, (Status.FAIL, "unreachable")),
        (
            "mail.smtp.reachable",
            {"greeting": None, "hello": None, "stop": StopReason.REFUSED},
            (Status.FAIL, "unreachable"),
        ),
        (
            "mail.smtp.banner",
            {"greeting": Reply(220, (f"{HOST} ESMTP Sendmail 8.15.2/8.15.2; Mon",))},
            (Status.FAIL, "disclosed"),
        ),
        (
            "mail.smtp.banner",
            {"hello": Reply(250, (f"{HOST} Microsoft ESMTP MAIL Service, Version: 8.5.9600.16384",))},
            (Status.FAIL, "disclosed"),
        ),
        (
            "mail.smtp.banner",
            {"greeting": Reply(220, (f"{HOST} ESMTP Postfix (Debian/GNU) ready at 192.0.2.1",))},
            (Status.PASS, "pass"),
        ),
        ("mail.smtp.banner", {"hello": None, "stop": StopReason.TIMEOUT}, (Status.ERROR, "error")),
        ("mail.smtp.starttls", {"extensions": (("SIZE", "1"),)}, (Status.FAIL, "not-offered")),
        (
            "mail.smtp.starttls",
            {"hello": Reply(250, (HOST,)), "esmtp": False, "extensions": ()},
            (Status.FAIL, "not-offered"),
        ),
        ("mail.smtp.auth-plaintext", {"extensions": (("AUTH", "PLAIN LOGIN"),)}, (Status.FAIL, "advertised")),
        ("mail.smtp.vrfy", {"expn_unknown": None, "stop": StopReason.CLOSED}, (Status.ERROR, "error")),
        ("mail.smtp.open-relay", {"relay_rcpt": Reply(250, ("2.1.5 Ok",))}, (Status.FAIL, "open")),
        ("mail.smtp.open-relay", {"relay_rcpt": Reply(251, ("will forward",))}, (Status.FAIL, "open")),
        (
            "mail.smtp.open-relay",
            {"relay_mail": Reply(550, ("sender rejected",)), "relay_rcpt": None},
            (Status.PASS, "pass"),
        ),
        ("mail.smtp.open-relay", {"relay_rcpt": Reply(451, ("greylisted",))}, (Status.ERROR, "error")),
        ("mail.smtp.open-relay", {"relay_rcpt": None, "stop": StopReason.DEADLINE}, (Status.ERROR, "error")),
        # Postfix's default smtpd_relay_restrictions end in defer_unauth_destination: a refusal
        (
            "mail.smtp.open-relay",
            {"relay_rcpt": Reply(454, ("4.7.1 <x@example.net>: Relay access denied",))},
            (Status.PASS, "pass"),
        ),
        # a temporary refusal of the sender is no verdict on relaying
        (
            "mail.smtp.open-relay",
            {"relay_mail": Reply(451, ("4.3.0 try later",)), "relay_rcpt": None},
            (Status.ERROR, "error"),
        ),
        # in clear, "STARTTLS first" means the relay question was never asked
        (
            "mail.smtp.open-relay",
            {"relay_mail": Reply(530, ("5.7.0 Must issue a STARTTLS command first",)), "relay_rcpt": None},
            (Status.ERROR, "error"),
        ),
        # an EHLO and a HELO both refused: what the server offers is unknown, not "no STARTTLS"
        (
            "mail.smtp.starttls",
            {"hello": Reply(550, ("5.7.1 go away",)), "esmtp": False, "extensions": ()},
            (Status.ERROR, "error"),
        ),
        (
            "mail.smtp.auth-plaintext",
            {"hello": Reply(550, ("5.7.1 go away",)), "esmtp": False, "extensions": ()},
            (Status.ERROR, "error"),
        ),
    ],
)
def test_planted_faults_on_one_address(
    check_id: str, changes: dict[str, Any], expected: tuple[Status, str]
) -> None:
    f = facts(session(), session(A2, **changes), addresses=(A1, A2))
    assert verdict(check_id, ALL[check_id], f) == expected


def test_handshake_failure_and_inconclusive_tls() -> None:
    assert verdict("mail.smtp.starttls", m.smtp_starttls, facts(tls_ok=False)) == (
        Status.FAIL,
        "handshake-failed",
    )
    assert verdict("mail.smtp.starttls", m.smtp_starttls, facts(tls_ok=None)) == (Status.ERROR, "error")


def test_fault_wins_over_untested_and_untested_wins_over_pass() -> None:
    stalled = session(A2, hello=None, stop=StopReason.TIMEOUT)
    assert verdict("mail.smtp.starttls", m.smtp_starttls, facts(session(), stalled, addresses=(A1, A2))) == (
        Status.ERROR,
        "error",
    )
    bad = session(extensions=())
    assert verdict("mail.smtp.starttls", m.smtp_starttls, facts(bad, stalled, addresses=(A1, A2))) == (
        Status.FAIL,
        "not-offered",
    )


def test_opt_out_and_scope_and_no_address() -> None:
    assert verdict("mail.smtp.open-relay", m.smtp_open_relay, facts(intrusive=False)) == (
        Status.NOT_APPLICABLE,
        "opt-out",
    )
    refused = m.smtp_reachable(
        facts(
            session(),
            addresses=(A1, A2),
            refused=((A2, "outside"),),
        ),
        PARAMS,
    )
    assert (refused.status, refused.error_reason) == (Status.ERROR, ErrorReason.OUT_OF_SCOPE)
    empty = SmtpFacts(
        HOST, HostAddresses(HOST, (Lookup(HOST, "A", DnsStatus.NXDOMAIN),), ()), (), (), (), True
    )
    assert verdict("mail.smtp.reachable", m.smtp_reachable, empty) == (Status.NOT_APPLICABLE, "no-address")
    failed = SmtpFacts(
        HOST, HostAddresses(HOST, (Lookup(HOST, "A", DnsStatus.SERVFAIL),), ()), (), (), (), True
    )
    outcome = m.smtp_banner(failed, PARAMS)
    assert (outcome.status, outcome.error_reason) == (Status.ERROR, ErrorReason.DNS_SERVFAIL)


def test_disclosed_software() -> None:
    assert m.disclosed_software("mail.x ESMTP Exim 4.94.2 Mon, 01 Jan 2024") == "Exim 4.94.2"
    assert m.disclosed_software("mail.x Python SMTP 1.4.6") == "SMTP 1.4.6"
    assert m.disclosed_software("mail.x ESMTP ready at 10.1.2.3") is None
    assert m.disclosed_software("mx1.so2.gov.vn ESMTP") is None


def test_tlsa_matching_selectors_and_types() -> None:
    import hashlib

    der = b"certificate"
    assert tlsa_matches(TlsaRecord(3, 0, 0, der), der)
    assert tlsa_matches(TlsaRecord(3, 0, 1, hashlib.sha256(der).digest()), der)
    assert tlsa_matches(TlsaRecord(3, 0, 2, hashlib.sha512(der).digest()), der)
    assert not tlsa_matches(TlsaRecord(3, 0, 1, b"\0" * 32), der)
    assert not tlsa_matches(TlsaRecord(3, 1, 1, hashlib.sha256(der).digest()), der)  # not a parsable cert


def test_dane_lookup_failure_is_an_error() -> None:
    lookup = Lookup(f"_25._tcp.{HOST}", "TLSA", DnsStatus.TIMEOUT, detail="no answer")
    outcome = m.smtp_dane(TlsaFacts(HOST, lookup, (), False), facts(), PARAMS)
    assert (outcome.status, outcome.error_reason) == (Status.ERROR, ErrorReason.TIMEOUT)


# (VRFY postmaster, VRFY random) -> (mail.smtp.vrfy, mail.smtp.vrfy-enabled), as servers answer
VRFY_CASES = [
    # Exchange, qmail, RFC 5321 3.5.3: "cannot VRFY user, but will accept message" for every name
    ((252, "2.0.0 Cannot VRFY user"), (252, "2.0.0 Cannot VRFY user"), ("pass", "pass")),
    # Postfix with disable_vrfy_command = yes
    ((502, "5.5.1 VRFY command is disabled"), (502, "5.5.1 VRFY command is disabled"), ("pass", "pass")),
    # Postfix with VRFY on: 252 for a real name, 550 for an unknown one (the test against the real
    # Postfix in tests/engine/collectors/test_smtp_postfix.py shows it)
    ((252, "2.0.0 postmaster"), (550, "5.1.1 <x>: Recipient address rejected"), ("vrfy", "vrfy")),
    # Sendmail, Exim with verification: 250 for a real name, 550 for an unknown one
    ((250, "2.1.5 <postmaster@x>"), (550, "5.1.1 <x>... User unknown"), ("vrfy", "vrfy")),
    ((250, "2.1.5 <postmaster@x>"), (551, "5.1.6 user not local"), ("vrfy", "vrfy")),
    # a catch-all verifies every name: enabled, but nothing told apart
    ((250, "2.1.5 ok"), (250, "2.1.5 ok"), ("pass", "vrfy")),
    # refused for every name alike
    ((550, "5.7.1 not allowed"), (550, "5.7.1 not allowed"), ("pass", "pass")),
    # a temporary answer tells nothing either way (but a 250 already shows VRFY is on)
    ((250, "2.1.5 ok"), (450, "4.1.1 try later"), ("error", "vrfy")),
    ((252, "2.0.0 hm"), (450, "4.1.1 try later"), ("error", "error")),
]


@pytest.mark.parametrize(("known", "unknown", "expected"), VRFY_CASES)
def test_vrfy_tells_enumeration_from_merely_enabled(
    known: tuple[int, str], unknown: tuple[int, str], expected: tuple[str, str]
) -> None:
    changes = {"vrfy_known": Reply(known[0], (known[1],)), "vrfy_unknown": Reply(unknown[0], (unknown[1],))}
    f = facts(session(**changes))
    got = tuple(verdict(cid, ALL[cid], f)[1] for cid in ("mail.smtp.vrfy", "mail.smtp.vrfy-enabled"))
    assert got == expected
    outcome = m.smtp_vrfy(f, PARAMS)
    endpoint = outcome.evidence["endpoints"][0]
    assert endpoint["vrfy_postmaster"] == f"{known[0]} {known[1]}"
    assert endpoint["vrfy_random"] == f"{unknown[0]} {unknown[1]}"


def test_expn_is_judged_like_vrfy() -> None:
    told = facts(session(expn_known=Reply(250, ("2.1.5 <root@x>",)), expn_unknown=Reply(550, ("5.1.1 no",))))
    assert verdict("mail.smtp.vrfy", m.smtp_vrfy, told) == (Status.FAIL, "expn")
    assert verdict("mail.smtp.vrfy-enabled", m.smtp_vrfy_enabled, told) == (Status.FAIL, "expn")
    listed = facts(session(expn_known=Reply(250, ("2.1.5 <a@x>",)), expn_unknown=Reply(250, ("<b@x>",))))
    assert verdict("mail.smtp.vrfy", m.smtp_vrfy, listed) == (Status.PASS, "pass")
    assert verdict("mail.smtp.vrfy-enabled", m.smtp_vrfy_enabled, listed) == (Status.FAIL, "expn")
    outcome = m.smtp_vrfy_enabled(listed, PARAMS)
    assert outcome.message.values["detail"] == "EXPN postmaster: 250 2.1.5 <a@x>"


CLOSED_25 = {"greeting": None, "hello": None, "esmtp": False, "extensions": (), "vrfy_known": None,
             "vrfy_unknown": None, "expn_known": None, "expn_unknown": None, "relay_probed": False,
             "relay_mail": None, "relay_rcpt": None, "relay_reset": None, "stop": StopReason.REFUSED}


def test_a_closed_port_25_is_not_applicable_except_for_reachability() -> None:
    f = facts(session(**CLOSED_25))
    got = {cid: verdict(cid, func, f) for cid, func in ALL.items()}
    assert got.pop("mail.smtp.reachable") == (Status.FAIL, "unreachable")
    assert set(got.values()) == {(Status.NOT_APPLICABLE, "not-listening")}
    outcome = m.smtp_open_relay(f, PARAMS)
    assert outcome.message.values["endpoints"] == f"{A1}:25 refused"
    tlsa = TlsaFacts(HOST, Lookup(f"_25._tcp.{HOST}", "TLSA", DnsStatus.OK, ("3 1 1 aa",)),
                     (TlsaRecord(3, 1, 1, b"\xaa" * 32),), True)
    dane = m.smtp_dane(tlsa, f, PARAMS)
    assert (dane.status, dane.message.key) == (Status.NOT_APPLICABLE, "not-listening")


def test_every_port_is_judged_and_the_evidence_names_it() -> None:
    relay_587 = session(port=587, starttls=Reply(220, ("2.0.0 Ready",)), tls_hello=GOOD_EHLO,
                        relay_rcpt=Reply(250, ("2.1.5 Ok",)))
    f = facts(session(), relay_587)
    outcome = m.smtp_open_relay(f, PARAMS)
    assert (outcome.status, outcome.message.key) == (Status.FAIL, "open")
    assert outcome.message.values["endpoints"] == f"{A1}:587"
    by_port = {e["endpoint"]: e for e in outcome.evidence["endpoints"]}
    assert by_port[f"{A1}:587"]["tls"] == "starttls" and by_port[f"{A1}:587"]["rcpt_to"] == "250 2.1.5 Ok"
    assert by_port[f"{A1}:25"] == {
        "state": "ok", "endpoint": f"{A1}:25", "tls": "none",
        "mail_from": "250 2.1.0 Ok", "rcpt_to": "554 5.7.1 Relay access denied",
    }
    # after STARTTLS, "530" is "authenticate first": a refusal, not an open question
    auth_first = session(port=587, starttls=Reply(220, ("2.0.0 Ready",)), tls_hello=GOOD_EHLO,
                         relay_mail=Reply(530, ("5.7.0 Authentication required",)), relay_rcpt=None)
    relayed = verdict("mail.smtp.open-relay", m.smtp_open_relay, facts(session(), auth_first))
    assert relayed == (Status.PASS, "pass")


def test_silence_is_filtered_only_where_smtp_was_a_guess() -> None:
    timeout = {**CLOSED_25, "stop": StopReason.CONNECT_TIMEOUT}
    guessed = session(port=465, implicit_tls=True, speculative=True, **timeout)
    declared = session(port=465, implicit_tls=True, **timeout)
    passing = verdict("mail.smtp.vrfy", m.smtp_vrfy, facts(session(), guessed))
    assert passing == (Status.PASS, "pass")
    assert m.smtp_vrfy(facts(session(), guessed), PARAMS).evidence["not_listening"] == [f"{A1}:465 filtered"]
    assert verdict("mail.smtp.vrfy", m.smtp_vrfy, facts(session(), declared)) == (Status.ERROR, "error")
    # port 25 silent: the host may be down, so nothing is judged either way
    silent_25 = facts(session(**timeout))
    assert verdict("mail.smtp.open-relay", m.smtp_open_relay, silent_25) == (Status.ERROR, "error")
