"""MTA-STS and TLS-RPT collectors against the lab DNS server, judged by the registered checks."""

from __future__ import annotations

from collections.abc import Mapping

from lab_dns_support import scan_domain, zone_file

from canhgac.engine.builtin import builtin_registry
from canhgac.engine.results import ErrorReason, Outcome, Status
from canhgac.lab.dns_server import Fault

GOV = zone_file("gov.test", """
good IN MX 10 mail.good
mail.good IN A 127.0.0.25
_mta-sts.good IN TXT "v=STSv1; id=20250101T000000"
mta-sts.good IN A 127.0.0.44
_smtp._tls.good IN TXT "v=TLSRPTv1; rua=mailto:tlsrpt@good.gov.test,https://tlsrpt.good.gov.test/v1"
stale IN MX 10 mail.good
_mta-sts.stale IN TXT "v=STSv1; id=2024-06-01"
mta-sts.stale IN CNAME stale-agency.sts-provider.vn.
_smtp._tls.stale IN TXT "v=TLSRPTv1; rua=tlsrpt@stale.gov.test"
bare IN MX 10 mail.good
_mta-sts.bare IN TXT "v=STSv1; id=1"
nomail IN MX 0 .
""")
VN = zone_file("vn", "", ns="127.0.0.54")


async def scan(domain: str, faults: Mapping[tuple[str, str], Fault] | None = None) -> dict[str, Outcome]:
    # the DNS records only: the HTTPS policy fetch (mail.mta-sts.policy) has its own tests
    registry = builtin_registry().select(
        ids=["mail.mta-sts.record", "mail.mta-sts.dangling", "mail.tlsrpt.record"]
    )
    _, outcomes = await scan_domain(registry, domain, {"gov.test": GOV, "vn": VN}, faults=faults)
    return outcomes


def verdicts(outcomes: dict[str, Outcome]) -> dict[str, tuple[Status, str]]:
    return {cid.removeprefix("mail."): (o.status, o.message.key) for cid, o in outcomes.items()}


async def test_good_records() -> None:
    assert verdicts(await scan("good.gov.test")) == {
        "mta-sts.record": (Status.PASS, "pass"),
        "mta-sts.dangling": (Status.PASS, "pass"),
        "tlsrpt.record": (Status.PASS, "pass"),
    }


async def test_invalid_records_and_a_dangling_cname() -> None:
    outcomes = await scan("stale.gov.test")
    assert verdicts(outcomes) == {
        "mta-sts.record": (Status.FAIL, "invalid"),
        "mta-sts.dangling": (Status.FAIL, "dangling-cname"),
        "tlsrpt.record": (Status.FAIL, "invalid"),
    }
    assert outcomes["mail.mta-sts.dangling"].message.values["target"] == "stale-agency.sts-provider.vn"


async def test_policy_host_without_address_and_missing_tlsrpt() -> None:
    assert verdicts(await scan("bare.gov.test")) == {
        "mta-sts.record": (Status.PASS, "pass"),
        "mta-sts.dangling": (Status.FAIL, "dangling"),
        "tlsrpt.record": (Status.FAIL, "missing"),
    }


async def test_null_mx_and_absent_records() -> None:
    assert verdicts(await scan("nomail.gov.test")) == {
        "mta-sts.record": (Status.NOT_APPLICABLE, "null-mx"),
        "mta-sts.dangling": (Status.NOT_APPLICABLE, "no-record"),
        "tlsrpt.record": (Status.NOT_APPLICABLE, "null-mx"),
    }


async def test_lookup_failures_are_errors() -> None:
    outcomes = await scan(
        "good.gov.test",
        {("_mta-sts.good.gov.test", "TXT"): Fault.REFUSED, ("_smtp._tls.good.gov.test", "TXT"): Fault.DROP},
    )
    assert outcomes["mail.mta-sts.record"].error_reason is ErrorReason.DNS_REFUSED
    assert outcomes["mail.mta-sts.dangling"].error_reason is ErrorReason.DNS_REFUSED
    assert outcomes["mail.tlsrpt.record"].error_reason is ErrorReason.TIMEOUT
    # Unknown MX: a missing record is not a finding, since the domain may do no mail.
    no_mx = await scan("bare.gov.test", {("bare.gov.test", "MX"): Fault.SERVFAIL})
    assert verdicts(no_mx)["tlsrpt.record"] == (Status.ERROR, "error")
