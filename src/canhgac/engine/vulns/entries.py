"""Importing a feed's entries one by one, whatever the format: an entry that cannot be read is a
:class:`FeedProblem` naming the file and the entry, and the rest of the file is still imported."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from canhgac.engine.vulns.feeds import FeedProblem, FeedResult, entry_label
from canhgac.engine.vulns.models import Advisory, AdvisoryError
from canhgac.engine.vulns.version import VersionError


def import_entries(
    path: Path,
    fmt: str,
    entries: Iterable[Any],
    convert: Callable[[Any], Advisory | None],
    label: Callable[[int, Any], str] = entry_label,
) -> FeedResult:
    """The advisories ``convert`` makes of ``entries``; an entry it returns None for (nothing
    canhgac can match) is counted as skipped, one it rejects is a problem labelled by ``label``."""
    advisories: list[Advisory] = []
    problems: list[FeedProblem] = []
    skipped = 0
    for index, entry in enumerate(entries):
        try:
            advisory = convert(entry)
        except (AdvisoryError, VersionError) as exc:
            problems.append(FeedProblem(str(path), label(index, entry), str(exc)))
            continue
        if advisory is None:
            skipped += 1
        else:
            advisories.append(advisory)
    return FeedResult(str(path), fmt, tuple(advisories), tuple(problems), skipped)
