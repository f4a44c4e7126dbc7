"""What a host sweep found on one computer, as the console's import hands it to the checks.

Built by the services layer from a verified result file (``canhgac sweep import`` or the API's
upload), never from a scan. A :class:`SweepHit` is one hit (``hit`` set) or the statement that a
later sweep of the same computer, with a pack as new as the one that found it, no longer sees a
hit the store still has open (``hit`` None, the same ``discriminator``): the check passes and the
finding is fixed through the usual reconciliation. Evidence carries the rule or indicator, the
place and the file's hashes, never file contents.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class HitFacts:
    """One hit of a result, reduced to what a finding keeps."""

    kind: str  # the sweep's check: hash, yara, filename, webshell, process, connection, ...
    where: str  # a path, "pid N name", "local -> remote", file:line, a registry key
    indicator: str  # the hash, pattern, rule, address, domain or "heuristic:NAME"
    evidence: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SweepHit:
    """One hit on one computer (``hit``), or the hit of that ``discriminator`` gone (None)."""

    host: str
    discriminator: str
    hit: HitFacts | None
    pack: str = ""  # the pack version of the sweep that observed it


@dataclass(frozen=True, slots=True)
class SuppliedSweepHits:
    """The run resource the collector reads (empty: sweeps are imported, not scanned)."""

    by_host: dict[str, SweepHit]
