"""Hits of the host sweep (issue 17) as findings of the computer's agency, one finding per hit
(its discriminator: the sweep's check, the place and the indicator), severity by what was hit:

- ``sweep.host.malware`` (critical): a known sample's hash, a YARA rule, a running process or a
  live connection to a command-and-control address;
- ``sweep.host.webshell`` (high): a server-side script the web-shell heuristics flag;
- ``sweep.host.persistence`` (high): an autostart entry (cron, systemd, Run keys, tasks...)
  matching an indicator or a heuristic;
- ``sweep.host.trace`` (medium): a file name, a hosts-file entry or a DNS cache entry matching an
  indicator (traces, which can be false positives).

A fact with no hit passes: with a hit's discriminator (a later sweep no longer sees it) the
finding is fixed; with none, it says that a complete sweep found no hit of the check's kind.
"""

from __future__ import annotations

from canhgac.engine.facts.sweep import SweepHit
from canhgac.engine.params import CheckParams
from canhgac.engine.registry import check
from canhgac.engine.results import Outcome, failed, not_applicable, passed
from canhgac.engine.targets import TargetKind

KINDS: dict[str, str] = {
    "hash": "sweep.host.malware",
    "yara": "sweep.host.malware",
    "process": "sweep.host.malware",
    "connection": "sweep.host.malware",
    "webshell": "sweep.host.webshell",
    "persistence": "sweep.host.persistence",
    "filename": "sweep.host.trace",
    "hosts": "sweep.host.trace",
    "dns-cache": "sweep.host.trace",
}
CHECKS = ("sweep.host.malware", "sweep.host.webshell", "sweep.host.persistence", "sweep.host.trace")
FALLBACK = "sweep.host.trace"  # a check a newer sweep reports that this console does not know


def check_of(kind: str) -> str:
    """The check id a hit of the sweep's check ``kind`` is judged by."""
    return KINDS.get(kind, FALLBACK)


def _judge(fact: SweepHit, check_id: str) -> Outcome:
    if fact.hit is None:
        said = passed("gone" if fact.discriminator else "clean", pack=fact.pack or "-")
        return said.model_copy(update={"discriminator": fact.discriminator})
    if check_of(fact.hit.kind) != check_id:
        return not_applicable("other-kind")
    outcome = failed(
        "hit",
        {
            "check": fact.hit.kind,
            "where": fact.hit.where,
            "indicator": fact.hit.indicator,
            "pack_version": fact.pack,
            **fact.hit.evidence,
        },
        where=fact.hit.where[:300],
        indicator=fact.hit.indicator[:300],
        kind=fact.hit.kind,
    )
    return outcome.model_copy(update={"discriminator": fact.discriminator})


@check("sweep.host.malware", target=TargetKind.ENDPOINT, needs=SweepHit)
def malware(fact: SweepHit, params: CheckParams) -> Outcome:
    return _judge(fact, "sweep.host.malware")


@check("sweep.host.webshell", target=TargetKind.ENDPOINT, needs=SweepHit)
def webshell(fact: SweepHit, params: CheckParams) -> Outcome:
    return _judge(fact, "sweep.host.webshell")


@check("sweep.host.persistence", target=TargetKind.ENDPOINT, needs=SweepHit)
def persistence(fact: SweepHit, params: CheckParams) -> Outcome:
    return _judge(fact, "sweep.host.persistence")


@check("sweep.host.trace", target=TargetKind.ENDPOINT, needs=SweepHit)
def trace(fact: SweepHit, params: CheckParams) -> Outcome:
    return _judge(fact, "sweep.host.trace")
