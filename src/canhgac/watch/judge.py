"""A probe's facts judged against the monitor's baseline: pure, total, tested without network.

A :class:`Verdict` says whether the check passed, the problem and its values when it did not,
the common cause of an availability failure (the /24 or /64 of the address that failed, for
grouping), and the baseline to keep: a passing check refreshes it (a portal's news change it a
little every day), a failing one keeps the last good one (a defaced page, a hijacked NS record
stay alerts until they revert or an operator accepts the new state).
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from canhgac.watch.facts import (
    BlocklistFacts,
    CertFacts,
    DnsFacts,
    FindingsFacts,
    HttpFacts,
    PageFingerprint,
    ProbeFacts,
    SmtpFacts,
)
from canhgac.watch.fingerprint import overlap, resemblance
from canhgac.watch.problems import Problem

Baseline = Mapping[str, Any]
HIJACK_RECORDS = ("NS", "MX")
SHOWN_FINDINGS = 20  # findings named in an alert's text (the count says how many there are)
DNS_RECORDS = ("NS", "MX", "A", "AAAA", "SPF", "DMARC")


@dataclass(frozen=True, slots=True)
class JudgeParams:
    slow_after: float = 10.0  # seconds for the whole answer
    cert_warn_days: int = 14
    drift_text: float = 0.35  # text resemblance below this...
    drift_links: float = 0.5  # ...with link overlap below this, or the size out of bounds below
    drift_size_ratio: float = 3.0
    group_prefix_v4: int = 24
    group_prefix_v6: int = 64


@dataclass(frozen=True, slots=True)
class Verdict:
    ok: bool
    problem: Problem | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    cause: str = ""  # what failures of several monitors may have in common ("" none)
    baseline: Baseline | None = None  # what to keep as the baseline after this check
    latency: float | None = None

    @classmethod
    def failed(cls, problem: Problem, baseline: Baseline | None, cause: str = "", **values: Any) -> Verdict:
        return cls(False, problem, values, cause, baseline)


def network_of(address: str, params: JudgeParams) -> str:
    """The range an address belongs to for grouping ("" for no address)."""
    return _network_of(address, params.group_prefix_v4, params.group_prefix_v6)


@functools.lru_cache(maxsize=65536)
def _network_of(address: str, prefix_v4: int, prefix_v6: int) -> str:
    """Remembered: the same addresses come back every interval."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    prefix = prefix_v4 if ip.version == 4 else prefix_v6
    return f"net:{ipaddress.ip_network(f'{ip}/{prefix}', strict=False)}"


def judge(
    facts: ProbeFacts, baseline: Baseline | None, now: datetime, params: JudgeParams | None = None
) -> Verdict:
    p = params or JudgeParams()
    if isinstance(facts, HttpFacts):
        return judge_http(facts, baseline, p)
    if isinstance(facts, CertFacts):
        return judge_cert(facts, baseline, now, p)
    if isinstance(facts, DnsFacts):
        return judge_dns(facts, baseline)
    if isinstance(facts, BlocklistFacts):
        return judge_blocklist(facts, baseline)
    if isinstance(facts, FindingsFacts):
        return judge_findings(facts, baseline)
    return judge_smtp(facts, baseline, p)


def _page_baseline(page: PageFingerprint | None, status: int | None) -> dict[str, Any] | None:
    if page is None:
        return None
    return {
        "status": status,
        "size": page.size,
        "text_hash": page.text_hash,
        "shingles": list(page.shingles),
        "links": list(page.links),
        "title": page.title,
    }


def judge_http(facts: HttpFacts, baseline: Baseline | None, p: JudgeParams) -> Verdict:
    target, cause = facts.url, network_of(facts.address, p)
    if facts.error or facts.status is None:
        return Verdict.failed(Problem.DOWN, baseline, cause, target=target, reason=facts.error or "no answer")
    if facts.status >= 400:
        return Verdict.failed(Problem.DOWN, baseline, cause, target=target, reason=f"HTTP {facts.status}")
    page = facts.page
    if page is not None and page.keyword_hits:
        return Verdict.failed(
            Problem.DEFACED, baseline, target=target, match=page.keyword_hits[0], title=page.title
        )
    if (
        page is not None
        and baseline
        and baseline.get("text_hash")
        and baseline["text_hash"] != page.text_hash
    ):
        text = resemblance(tuple(baseline.get("shingles") or ()), page.shingles)
        links = overlap(tuple(baseline.get("links") or ()), page.links)
        old = max(1, int(baseline.get("size") or 0))
        ratio = max(page.size, 1) / old
        resized = ratio > p.drift_size_ratio or ratio < 1 / p.drift_size_ratio
        if text < p.drift_text and (links < p.drift_links or resized):
            return Verdict.failed(
                Problem.CONTENT_DRIFT,
                baseline,
                target=target,
                similarity=round(text * 100),
                links=round(links * 100),
                size=page.size,
                size_before=old,
            )
    kept = _page_baseline(page, facts.status) or (dict(baseline) if baseline else None)
    if facts.latency > p.slow_after:
        return Verdict(
            False,
            Problem.SLOW,
            {"target": target, "latency": round(facts.latency, 1)},
            "",
            kept,
            facts.latency,
        )
    return Verdict(True, baseline=kept, latency=facts.latency)


def judge_cert(facts: CertFacts, baseline: Baseline | None, now: datetime, p: JudgeParams) -> Verdict:
    if facts.error or facts.not_after is None:
        return Verdict.failed(
            Problem.CERT_UNREADABLE,
            baseline,
            network_of(facts.address, p),
            target=facts.url,
            reason=facts.error or "no certificate",
        )
    kept = {"not_after": facts.not_after.isoformat(), "subject": facts.subject}
    left = facts.not_after - now
    if left.total_seconds() <= 0:
        return Verdict.failed(
            Problem.CERT_EXPIRED, kept, target=facts.url, not_after=facts.not_after.isoformat()
        )
    if left.days < p.cert_warn_days:
        return Verdict.failed(
            Problem.CERT_EXPIRING,
            kept,
            target=facts.url,
            days=left.days,
            not_after=facts.not_after.isoformat(),
        )
    return Verdict(True, baseline=kept)


def _shown(records: tuple[str, ...] | list[str]) -> str:
    return ", ".join(records) if records else "∅"


def judge_dns(facts: DnsFacts, baseline: Baseline | None) -> Verdict:
    answered = {t: r for t, r in facts.records}
    if facts.error or not answered:
        why = facts.error or "; ".join(f"{t}: {w}" for t, w in facts.failed) or "no answer"
        return Verdict.failed(Problem.DNS_FAILED, baseline, "dns", target=facts.domain, reason=why)
    if not baseline:
        return Verdict(True, baseline={t: list(r) for t, r in answered.items()})
    for rtype in DNS_RECORDS:
        if rtype not in answered or rtype not in baseline:
            continue  # this lookup failed now, or there is no baseline for it yet
        before, after = tuple(baseline[rtype]), answered[rtype]
        if set(before) != set(after):
            problem = Problem.DNS_HIJACK if rtype in HIJACK_RECORDS else Problem.DNS_DRIFT
            return Verdict.failed(
                problem,
                baseline,
                target=facts.domain,
                record=rtype,
                before=_shown(before),
                after=_shown(after),
            )
    merged = {**{k: list(v) for k, v in baseline.items()}, **{t: list(r) for t, r in answered.items()}}
    return Verdict(True, baseline=merged)


def judge_smtp(facts: SmtpFacts, baseline: Baseline | None, p: JudgeParams) -> Verdict:
    target = f"{facts.host}:{facts.port}"
    if facts.error or not facts.greeted:
        return Verdict.failed(
            Problem.SMTP_DOWN,
            baseline,
            network_of(facts.address, p),
            target=target,
            reason=facts.error or "no greeting",
        )
    if facts.starttls_offered and facts.starttls_ok is False:
        return Verdict.failed(Problem.STARTTLS_BROKEN, baseline, target=target)
    if not facts.starttls_offered and baseline and baseline.get("starttls"):
        return Verdict.failed(Problem.STARTTLS_MISSING, baseline, target=target)
    return Verdict(True, baseline={"starttls": facts.starttls_offered})


def judge_blocklist(facts: BlocklistFacts, baseline: Baseline | None) -> Verdict:
    """Listed on a zone: the first listing (address, zone, return codes, the zone's TXT) and
    every zone listing the host; no zone could be asked: a failure of its own ("unchecked",
    grouped under ``dnsbl``: one alert when the blocklists refuse the resolver), never a pass."""
    if facts.listings:
        first = facts.listings[0]
        return Verdict.failed(
            Problem.BLOCKLISTED,
            baseline,
            target=facts.host,
            address=first.address,
            zone=first.zone,
            answer=", ".join(first.codes),
            txt=first.explanation,
            listed_on=sorted({f"{x.zone} ({x.address})" for x in facts.listings}),
        )
    if facts.error or not facts.zones:
        why = facts.error or "; ".join(f"{z}: {w}" for z, w in facts.unanswered) or "no zone"
        return Verdict.failed(Problem.BLOCKLIST_UNCHECKED, baseline, "dnsbl", target=facts.host, reason=why)
    return Verdict(True, baseline={"addresses": list(facts.addresses), "zones": list(facts.zones)})


def judge_findings(facts: FindingsFacts, baseline: Baseline | None) -> Verdict:
    """Failing while one of the findings the scan opened is still open (level-triggered: the
    alert stays open until each is fixed or triaged away); the values name them."""
    still = [f for f in facts.findings if not f.closed]
    if not still:
        return Verdict(True, baseline=baseline)
    return Verdict.failed(
        Problem.NEW_FINDINGS,
        baseline,
        target=facts.agency,
        agency=facts.agency,
        run=facts.run,
        count=len(still),
        findings=[f"{f.check_id} {f.target.partition(':')[2] or f.target}" for f in still[:SHOWN_FINDINGS]],
        fingerprints=[f.fingerprint for f in still],
        severities=sorted({f.severity for f in still if f.severity}),
    )
