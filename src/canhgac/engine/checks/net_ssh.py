"""net.ssh.* checks (password authentication offered, outdated OpenSSH) and net.service.vulnerable
(versions from banners matched against the offline vulnerability data).

The OpenSSH minimum is a check parameter (``CheckParams.net_ssh_min_openssh`` when the run sets
one, else :data:`DEFAULT_MIN_OPENSSH`: 9.8, the first release without CVE-2024-6387
"regreSSHion", which lets an unauthenticated attacker run code as root on glibc systems).
Distribution packages backport fixes without changing the upstream number: the evidence says
when the banner carries a distribution revision.
"""

from __future__ import annotations

import re
from typing import Any

from canhgac.engine.checks.net_services import HOST, evidence, judge_per_port, precheck
from canhgac.engine.collectors.services import HostServiceFacts, ServiceVuln
from canhgac.engine.params import CheckParams
from canhgac.engine.registry import check
from canhgac.engine.results import ErrorReason, Outcome, errored, failed, not_applicable, passed
from canhgac.engine.service_probes import Service, ServiceReading
from canhgac.engine.vulns.version import VersionError, parse_version

DEFAULT_MIN_OPENSSH = "9.8"
PASSWORD_METHODS = frozenset({"password", "keyboard-interactive"})
_DISTRO = re.compile(r"ubuntu|debian|deb\d+u|el\d|rhel|centos|fedora|suse|freebsd", re.I)
MAX_LISTED = 10


def min_openssh(params: CheckParams) -> str:
    value = getattr(params, "net_ssh_min_openssh", DEFAULT_MIN_OPENSSH)
    return str(value) if value else DEFAULT_MIN_OPENSSH


@check("net.ssh.password-auth", target=HOST, needs=HostServiceFacts)
def ssh_password_auth(facts: HostServiceFacts, params: CheckParams) -> Outcome:
    def fault(r: ServiceReading) -> bool | None:
        if r.ssh is None or r.ssh.auth_methods is None:
            return None
        return r.ssh.none_accepted or bool(PASSWORD_METHODS & set(r.ssh.auth_methods))

    outcome = judge_per_port(facts, Service.SSH, fault, "password")
    if outcome.message.key == "password":
        readings = [r for r in facts.of(Service.SSH) if fault(r)]
        methods = sorted({m for r in readings if r.ssh and r.ssh.auth_methods for m in r.ssh.auth_methods})
        if any(r.ssh and r.ssh.none_accepted for r in readings):
            return failed("no-auth", outcome.evidence, ports=str(outcome.message.values["ports"]))
        return failed(
            "password",
            outcome.evidence,
            ports=str(outcome.message.values["ports"]),
            methods=", ".join(methods),
        )
    return outcome


def _older(version: str, minimum: str) -> bool | None:
    try:
        return parse_version(version) < parse_version(minimum)
    except VersionError:
        return None


@check("net.ssh.outdated", target=HOST, needs=HostServiceFacts)
def ssh_outdated(facts: HostServiceFacts, params: CheckParams) -> Outcome:
    minimum = min_openssh(params)
    flawed = {v.port for v in facts.vulns}

    def fault(r: ServiceReading) -> bool | None:
        if r.port in flawed:
            return True
        if r.product == "openssh" and r.version:
            return _older(r.version, minimum)
        return False if r.product and r.version else None

    outcome = judge_per_port(facts, Service.SSH, fault, "outdated")
    if outcome.message.key != "outdated":
        return outcome
    bad = [r for r in facts.of(Service.SSH) if fault(r)]
    advisories = sorted({v.advisory for v in facts.vulns if v.port in {r.port for r in bad}})
    ev: dict[str, Any] = {
        **outcome.evidence,
        "minimum": minimum,
        "vulnerabilities": [v.as_evidence() for v in facts.vulns if v.port in flawed],
    }
    packaged = any(_DISTRO.search(r.banner) for r in bad)
    return failed(
        "outdated-packaged" if packaged else "outdated",
        ev,
        versions=", ".join(f"{r.port}: {r.banner}" for r in bad)[:300],
        minimum=minimum,
        advisories=", ".join(advisories[:MAX_LISTED]) or "-",
    )


def _listing(vulns: tuple[ServiceVuln, ...]) -> str:
    parts = [f"{v.port} {v.product} {v.version}: {v.advisory} ({v.severity})" for v in vulns[:MAX_LISTED]]
    more = len(vulns) - MAX_LISTED
    return "; ".join(parts) + (f"; +{more}" if more > 0 else "")


@check("net.service.vulnerable", target=HOST, needs=HostServiceFacts)
def service_vulnerable(facts: HostServiceFacts, params: CheckParams) -> Outcome:
    early = precheck(facts)
    if early is not None:
        return early
    versioned = [r for r in facts.readings if r.product and r.version]
    ev = evidence(facts, versioned, data_source=facts.vuln_source)
    if facts.vulns:
        ev["vulnerabilities"] = [v.as_evidence() for v in facts.vulns]
        return failed("vulnerable", ev, detail=_listing(facts.vulns), count=len(facts.vulns))
    if facts.vuln_error:
        return errored(ErrorReason.INTERNAL, f"vulnerability data: {facts.vuln_error}", ev)
    if not versioned:
        return not_applicable("no-version", {"address": facts.address})
    products = ", ".join(f"{r.port} {r.product} {r.version}" for r in versioned)
    return passed("pass", ev, products=products[:300], source=facts.vuln_source)
