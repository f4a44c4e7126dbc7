"""Family net.ssh: password authentication offered, outdated OpenSSH.

The OpenSSH minimum is a check parameter (``CheckParams.net_ssh_min_openssh`` when the run sets
one, else :data:`DEFAULT_MIN_OPENSSH`: 9.8, the first release without CVE-2024-6387
"regreSSHion", which lets an unauthenticated attacker run code as root on glibc systems).
Distribution packages backport fixes without changing the upstream number: the evidence says
when the banner carries a distribution revision.
"""

from __future__ import annotations

import re
from typing import Any

from canhgac.engine.checks.net_services import HOST, judge_per_port
from canhgac.engine.facts.services import HostServiceFacts, Service, ServiceReading
from canhgac.engine.params import CheckParams
from canhgac.engine.registry import check
from canhgac.engine.results import Outcome, failed
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
