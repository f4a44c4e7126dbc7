"""The advisories bundled with canhgac (``data/components.json``) and the index scans use.

The bundled set is small and hand-checked (each entry cites where it was published); it makes
a scan useful without any download. ``canhgac vulns import`` builds a fuller index in the
workspace, seeded with this set; a scan then uses that index instead (``vuln_db_path``).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from canhgac.engine.vulns.models import Advisory, AdvisoryError, advisory_from_dict

DATA_FILE = "components.json"
ORIGIN = "bundled"


class BundledDataError(Exception):
    """The bundled data file is damaged (a packaging bug: fails loudly)."""


def _document() -> dict[str, object]:
    text = resources.files("canhgac.engine.vulns").joinpath("data", DATA_FILE).read_text(encoding="utf-8")
    data = json.loads(text)
    if not isinstance(data, dict) or not isinstance(data.get("advisories"), list):
        raise BundledDataError(f"{DATA_FILE}: expected an object with an 'advisories' list")
    return data


@cache
def bundled_version() -> str:
    """The data set's version, recorded as reference data of a run."""
    return str(_document().get("version", "unknown"))


@cache
def bundled_advisories() -> tuple[Advisory, ...]:
    found: list[Advisory] = []
    entries = _document()["advisories"]
    assert isinstance(entries, list)
    for index, entry in enumerate(entries):
        try:
            found.append(advisory_from_dict(entry))
        except AdvisoryError as exc:
            ident = entry.get("id") if isinstance(entry, dict) else None
            raise BundledDataError(f"{DATA_FILE}: entry #{index + 1} ({ident}): {exc}") from None
    return tuple(found)
