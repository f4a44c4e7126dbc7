"""Changes an operator makes to monitors while the watch runs (the console's monitor page): a
definition edited (enabled, interval, holiday window) and a new state accepted as the baseline.

Pure values and rules, no I/O. The store keeps each monitor's ``revision`` (bumped by every edit);
the scheduler asks for edits newer than the revisions it has seen and applies them at its next
check (``canhgac.watch.scheduler``).

Accepting a baseline *forgets* the part of it the problem compares (a DNS record type, the
page's fingerprint, the STARTTLS flag): the next check's answer becomes the baseline. A
legitimate new MX is then what later checks are held to, and the alert recovers as usual.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from canhgac.watch.monitors import HolidayWindow
from canhgac.watch.problems import Problem

# the baseline keys of a page's fingerprint (``judge._page_baseline``)
PAGE_KEYS = ("status", "size", "text_hash", "shingles", "links", "title")


@dataclass(frozen=True, slots=True)
class MonitorEdit:
    """A monitor's definition as the console left it, and what its last edit asked to forget."""

    key: str
    revision: int
    enabled: bool
    interval: float
    holiday: HolidayWindow | None
    forget: tuple[str, ...] = ()  # baseline keys to forget (an accepted new baseline)...
    forget_revision: int = 0  # ...asked at this revision (later edits leave it as it was)


def acceptable(problem: str, values: Mapping[str, Any]) -> tuple[str, ...]:
    """The baseline keys accepting the monitor's current state forgets; () when its problem is
    not a change against a baseline (a portal down, a certificate expiring: nothing to accept)."""
    if problem in (Problem.DNS_HIJACK, Problem.DNS_DRIFT):
        record = str(values.get("record") or "")
        return (record,) if record else ()
    if problem == Problem.CONTENT_DRIFT:
        return PAGE_KEYS
    if problem == Problem.STARTTLS_MISSING:
        return ("starttls",)
    return ()


def forget(baseline: Mapping[str, Any] | None, keys: tuple[str, ...]) -> dict[str, Any] | None:
    """``baseline`` without ``keys`` (None stays None)."""
    if baseline is None:
        return None
    return {k: v for k, v in baseline.items() if k not in keys}
