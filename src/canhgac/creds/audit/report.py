"""The audit's report as JSON and CSV: account names, finding kinds, counts and group sizes only.

No password, no hash and no prefix of one is ever written: a shared group is named by its number
in this report, and a pwned count is a count.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from canhgac.creds.audit.engine import KINDS, AuditReport, PlaceTotals

CSV_COLUMNS = ("agency", "domain", "account", "finding", "count", "group", "group_size", "scheme", "reason",
               "machine", "disabled", "source")


def _place(t: PlaceTotals) -> dict[str, Any]:
    p = t.place
    return {"key": p.key, "agency": p.code, "name": p.name, "domain": p.domain,
            "in_inventory": p.code is not None}


def as_dict(report: AuditReport) -> dict[str, Any]:
    o = report.options
    by_place: dict[str, list[dict[str, Any]]] = {}
    for r in report.accounts:
        by_place.setdefault(r.place.key, []).append({
            "account": r.account, "source": r.where, "machine": r.machine, "disabled": r.disabled,
            "findings": [f.as_dict() for f in r.findings]})
    kinds = report.kinds()
    return {
        "files": [{"path": f.path, "lines": f.lines, "accounts": f.accounts, "history_entries": f.history,
                   "skipped": f.skipped, "malformed": f.malformed, "first_malformed": f.first_malformed}
                  for f in report.files],
        "pwned_stores": {"ntlm": str(o.ntlm_store.path) if o.ntlm_store else None,
                         "sha1": str(o.sha1_store.path) if o.sha1_store else None},
        "candidates": {"common": report.common_count, "common_source": report.common_source,
                       "extra": len(o.extra_candidates), "suffixes": list(o.suffixes),
                       "time_cap_s": o.time_cap},
        "totals": {"accounts": sum(t.accounts for t in report.totals.values()),
                   "accounts_with_findings": len(report.accounts),
                   "findings": {k: kinds.get(k, 0) for k in KINDS}},
        "salted": {"accounts": report.salted.accounts, "fully_checked": report.salted.checked,
                   "stopped_by_time_cap": report.salted.partly, "not_checkable": report.salted.not_checked,
                   "candidates_tried": report.salted.tries, "seconds": round(report.salted.seconds, 2)},
        "shared_groups": [{"group": g.group, "size": g.size, "agencies": g.places} for g in report.shared],
        "agencies": [{**_place(t), "accounts": t.accounts, "machine_accounts": t.machine,
                      "disabled_accounts": t.disabled, "findings": {k: t.kinds.get(k, 0) for k in KINDS},
                      "flagged": by_place.get(key, [])}
                     for key, t in report.totals.items()],
    }


def to_json(report: AuditReport) -> str:
    return json.dumps(as_dict(report), ensure_ascii=False, indent=2) + "\n"


def to_csv(report: AuditReport) -> str:
    """One row per finding (an account with three findings has three rows)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in report.accounts:
        for f in r.findings:
            writer.writerow([r.place.code or "", r.place.domain or "", _cell(r.account), f.kind,
                             "" if f.count is None else f.count, f.group or "", f.size or "", f.scheme or "",
                             f.reason or "", int(r.machine), "" if r.disabled is None else int(r.disabled),
                             r.where])
    return out.getvalue()


def _cell(text: str) -> str:
    """A spreadsheet would run a cell starting with = + - @ as a formula: quote it."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
