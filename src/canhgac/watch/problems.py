"""What a failed check found, as data: each problem's message, the catalog check it matches
(its severity then comes from the catalog) or its own severity, and whether failures of many
monitors with a common cause are grouped into one alert.

The messages are msgids with ``{values}`` (the verdict's detail), translated where shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from canhgac.catalog.loader import Catalog
from canhgac.catalog.schema import Severity
from canhgac.i18n import N_, translate


class Problem(StrEnum):
    DOWN = "down"  # no usable answer, or an HTTP error status
    SLOW = "slow"
    DEFACED = "defaced"  # a defacement keyword or defacer signature on the page
    CONTENT_DRIFT = "content_drift"  # text and links changed at once: possible defacement
    CERT_EXPIRING = "cert_expiring"
    CERT_EXPIRED = "cert_expired"
    CERT_UNREADABLE = "cert_unreadable"
    DNS_FAILED = "dns_failed"
    DNS_HIJACK = "dns_hijack"  # NS or MX changed: a possible hijack
    DNS_DRIFT = "dns_drift"  # A/AAAA, SPF or DMARC changed
    SMTP_DOWN = "smtp_down"
    STARTTLS_BROKEN = "starttls_broken"  # offered, but the upgrade failed
    STARTTLS_MISSING = "starttls_missing"  # offered before (baseline), not any more
    BLOCKLISTED = "blocklisted"  # an address listed on a DNS blocklist zone
    BLOCKLIST_UNCHECKED = "blocklist_unchecked"  # no zone could be asked about the host
    NEW_FINDINGS = "new_findings"  # a scheduled scan opened exposed services or critical findings
    LOG_DETECTIONS = "log_detections"  # an attack seen in an agency's logs (canhgac logs)
    FLAPPING = "flapping"


@dataclass(frozen=True, slots=True)
class ProblemRule:
    message: str  # msgid with {values}
    severity: Severity  # used when no catalog check applies
    check_id: str = ""  # the catalog's check whose severity wins when present
    groupable: bool = False  # failures with a common cause (one address range) become one alert


RULES: Mapping[Problem, ProblemRule] = {
    Problem.DOWN: ProblemRule(N_("{target} is not answering: {reason}"), Severity.HIGH, groupable=True),
    Problem.SLOW: ProblemRule(N_("{target} answers slowly: {latency} s"), Severity.MEDIUM),
    Problem.DEFACED: ProblemRule(
        N_("{target} shows signs of defacement: {match}"), Severity.CRITICAL, "web.defacement"
    ),
    Problem.CONTENT_DRIFT: ProblemRule(
        N_("{target} changed suddenly (text {similarity}% alike, links {links}% alike): possible defacement"),
        Severity.HIGH,
    ),
    Problem.CERT_EXPIRING: ProblemRule(
        N_("the certificate of {target} expires in {days} days"), Severity.MEDIUM, "web.tls.cert-expiring"
    ),
    Problem.CERT_EXPIRED: ProblemRule(
        N_("the certificate of {target} has expired"), Severity.HIGH, "web.tls.cert-expired"
    ),
    Problem.CERT_UNREADABLE: ProblemRule(
        N_("no certificate could be read from {target}: {reason}"), Severity.MEDIUM, groupable=True
    ),
    Problem.DNS_FAILED: ProblemRule(
        N_("DNS lookups for {target} fail: {reason}"), Severity.HIGH, groupable=True
    ),
    Problem.DNS_HIJACK: ProblemRule(
        N_("the {record} records of {target} changed ({before} → {after}): a possible hijack"),
        Severity.CRITICAL,
    ),
    Problem.DNS_DRIFT: ProblemRule(
        N_("the {record} records of {target} changed ({before} → {after})"), Severity.MEDIUM
    ),
    Problem.SMTP_DOWN: ProblemRule(
        N_("the mail server {target} is not answering: {reason}"),
        Severity.HIGH,
        "mail.smtp.reachable",
        groupable=True,
    ),
    Problem.STARTTLS_BROKEN: ProblemRule(
        N_("the mail server {target} offers STARTTLS but the upgrade fails"),
        Severity.HIGH,
        "mail.smtp.starttls",
    ),
    Problem.STARTTLS_MISSING: ProblemRule(
        N_("the mail server {target} no longer offers STARTTLS"), Severity.HIGH, "mail.smtp.starttls"
    ),
    Problem.BLOCKLISTED: ProblemRule(
        N_("{address} ({target}) is listed on {zone}: {answer} {txt}"), Severity.HIGH, "mail.dnsbl.listed"
    ),
    Problem.BLOCKLIST_UNCHECKED: ProblemRule(
        N_("the DNS blocklists could not be asked about {target}: {reason}"), Severity.LOW, groupable=True
    ),
    Problem.NEW_FINDINGS: ProblemRule(
        N_("the scheduled scan (run {run}) opened {count} findings for {agency}: {findings}"), Severity.HIGH
    ),
    Problem.LOG_DETECTIONS: ProblemRule(
        N_("{count} detections of {rule} in the logs of {agency} (last at {last_seen}): {detections}"),
        Severity.HIGH,
    ),
    Problem.FLAPPING: ProblemRule(
        N_("{target} is flapping: {changes} changes in {minutes} minutes"), Severity.MEDIUM
    ),
}


def severity_table(catalog: Catalog | None) -> dict[str, str]:
    """Each problem's severity: the catalog's for its check when the catalog has it, else its own."""
    out: dict[str, str] = {}
    for problem, rule in RULES.items():
        entry = catalog.checks.get(rule.check_id) if catalog is not None and rule.check_id else None
        out[problem.value] = str(entry.severity) if entry is not None else rule.severity.value
    return out


def describe(problem: str, values: Mapping[str, Any], lang: str | None = None) -> str:
    """The problem said in ``lang`` (the current language by default), never raising."""
    try:
        rule = RULES[Problem(problem)]
    except ValueError:
        return problem
    safe = {k: ", ".join(map(str, v)) if isinstance(v, list | tuple) else v for k, v in values.items()}
    try:
        return translate(rule.message, lang).format(**safe)
    except (KeyError, IndexError, ValueError):
        return translate(rule.message, lang)
