"""collect_mta_sts_policy against the lab DNS and HTTPS servers, judged by mail.mta-sts.policy.

The policy host listens on a high port, which the domain target declares (as the lab does
outside a network namespace); the lab CA is the trust anchor.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from lab_dns_support import lab_context, zone_file
from loopback_support import random_loopback

from canhgac.engine.checks.mail_transport import mta_sts_policy
from canhgac.engine.collectors.mta_sts_policy import POLICY_PATH, collect_mta_sts_policy
from canhgac.engine.context import NetworkLimits, TargetOptions
from canhgac.engine.params import CheckParams
from canhgac.engine.results import ErrorReason, Outcome, Status
from canhgac.engine.scope import Scope
from canhgac.engine.targets import Target, TargetKind
from canhgac.lab.dns_server import LabDnsServer
from canhgac.lab.https_server import LabHttpsServer, Route
from canhgac.lab.pki import LabCA

CA = LabCA()
DOMAIN = "agency.gov.test"
POLICY_HOST = f"mta-sts.{DOMAIN}"
GOOD = "version: STSv1\nmode: enforce\nmx: mail.agency.gov.test\nmax_age: 604800\n"


def zone(policy_address: str | None, mx: str, record: bool) -> str:
    text = zone_file("gov.test", f"agency IN MX 10 {mx}.\n")
    if record:
        text += '_mta-sts.agency IN TXT "v=STSv1; id=20240601"\n'
    if policy_address:
        text += f"mta-sts.agency IN A {policy_address}\n"
    return text


async def scan(
    route: Route | None = None,
    *,
    cert: tuple[str, str] | None = None,
    mx: str = "mail.agency.gov.test",
    record: bool = True,
    host: bool = True,
    scope: Scope | None = None,
    tmp_path: Path,
) -> tuple[Outcome, LabHttpsServer]:
    ca_file = CA.write_ca(tmp_path)
    web = random_loopback()
    routes = {POLICY_PATH: route or Route.text(GOOD), "/elsewhere": Route.text(GOOD)}
    zones = {"gov.test": zone(web if host else None, mx, record)}
    async with LabHttpsServer(address=web, cert=cert or CA.issue([POLICY_HOST]), routes=routes) as server, \
            LabDnsServer(zones=zones, address=random_loopback()) as dns:
        target = Target(kind=TargetKind.DOMAIN, name=DOMAIN, agency="so-tttt")
        ctx = lab_context(
            dns,
            scope=scope,
            target_options={target.key: TargetOptions(ports=(server.port,))},
            net=NetworkLimits(connect_timeout=1.0, read_timeout=1.0),
            ca_file=str(ca_file),
        )
        facts = await collect_mta_sts_policy(target, ctx)
        assert server.internal_errors == 0
        return mta_sts_policy(facts, CheckParams()), server


def key(outcome: Outcome) -> tuple[Status, str]:
    return outcome.status, outcome.message.key


async def test_good_policy_passes_and_is_fetched_as_a_sender_would(tmp_path: Path) -> None:
    outcome, server = await scan(tmp_path=tmp_path)
    assert key(outcome) == (Status.PASS, "pass")
    assert server.server_names == [POLICY_HOST]
    assert [(r.target, r.host.split(":")[0]) for r in server.requests] == [(POLICY_PATH, POLICY_HOST)]
    assert server.requests[0].user_agent.startswith("canhgac")


async def test_testing_mode_fails(tmp_path: Path) -> None:
    outcome, _ = await scan(Route.text(GOOD.replace("enforce", "testing")), tmp_path=tmp_path)
    assert key(outcome) == (Status.FAIL, "testing")


async def test_mx_not_covered_fails(tmp_path: Path) -> None:
    outcome, _ = await scan(mx="mx.hosting.gov.test", tmp_path=tmp_path)
    assert key(outcome) == (Status.FAIL, "mx-not-covered")
    assert outcome.message.values["hosts"] == "mx.hosting.gov.test"


async def test_redirect_is_not_followed(tmp_path: Path) -> None:
    outcome, server = await scan(Route.redirect("/elsewhere"), tmp_path=tmp_path)
    assert key(outcome) == (Status.FAIL, "redirect")
    assert [r.target for r in server.requests] == [POLICY_PATH]


async def test_policy_host_is_in_scope_through_the_domain_that_names_it(tmp_path: Path) -> None:
    only_the_domain = Scope.build(hosts=[DOMAIN], loopback_only=True)  # not mta-sts.DOMAIN itself
    outcome, server = await scan(scope=only_the_domain, tmp_path=tmp_path)
    assert key(outcome) == (Status.PASS, "pass")
    assert [r.target for r in server.requests] == [POLICY_PATH]


async def test_out_of_scope_policy_host_is_never_contacted(tmp_path: Path) -> None:
    outcome, server = await scan(scope=Scope.build(domains=["other.test"], loopback_only=True),
                                 tmp_path=tmp_path)
    assert (outcome.status, outcome.error_reason) == (Status.ERROR, ErrorReason.OUT_OF_SCOPE)
    assert server.requests == [] and server.server_names == []


async def test_expired_certificate_fails(tmp_path: Path) -> None:
    outcome, server = await scan(cert=CA.issue([POLICY_HOST], expired=True), tmp_path=tmp_path)
    assert key(outcome) == (Status.FAIL, "certificate")
    assert "expired" in str(outcome.message.values["detail"])
    assert server.requests == []


async def test_wrong_name_certificate_fails(tmp_path: Path) -> None:
    outcome, _ = await scan(cert=CA.issue(["www.agency.gov.test"]), tmp_path=tmp_path)
    assert key(outcome) == (Status.FAIL, "certificate")


async def test_self_signed_certificate_fails_without_an_unverified_retry(tmp_path: Path) -> None:
    outcome, server = await scan(cert=CA.issue([POLICY_HOST], self_signed=True), tmp_path=tmp_path)
    assert key(outcome) == (Status.FAIL, "certificate")
    assert server.requests == [] and server.server_names == [POLICY_HOST]


async def test_wrong_content_type_fails(tmp_path: Path) -> None:
    outcome, _ = await scan(Route.text(GOOD, content_type="text/html"), tmp_path=tmp_path)
    assert key(outcome) == (Status.FAIL, "content-type")


async def test_no_policy_host_is_left_to_the_dangling_check(tmp_path: Path) -> None:
    outcome, server = await scan(host=False, tmp_path=tmp_path)
    assert key(outcome) == (Status.NOT_APPLICABLE, "dangling")
    assert server.requests == []


async def test_no_record_no_fetch(tmp_path: Path) -> None:
    outcome, server = await scan(record=False, tmp_path=tmp_path)
    assert key(outcome) == (Status.NOT_APPLICABLE, "no-record")
    assert server.server_names == []


@pytest.mark.parametrize("route", [Route(stall=True), Route(body_size=10 * 1024 * 1024,
                                                              headers={"Content-Type": "text/plain"})])
async def test_hostile_policy_hosts_are_bounded(route: Route, tmp_path: Path) -> None:
    started = time.monotonic()
    outcome, _ = await scan(route, tmp_path=tmp_path)
    assert time.monotonic() - started < 8
    if route.stall:
        assert (outcome.status, outcome.error_reason) == (Status.ERROR, ErrorReason.TIMEOUT)
    else:
        assert key(outcome) == (Status.FAIL, "too-large")
