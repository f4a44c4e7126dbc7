"""What check families share about DNS answers: the error outcome of a lookup that failed (one
wording for every family), and the judgement of the CAA set that governs a name."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from canhgac.engine.facts.dns import Lookup
from canhgac.engine.facts.zone import CaaFacts
from canhgac.engine.results import Outcome, errored, failed, passed

_ISSUE_TAGS = ("issue", "issuewild")


def lookup_error(lookup: Lookup, evidence: Mapping[str, Any] | None = None) -> Outcome:
    """``error`` with the lookup's reason; the lookup itself is the evidence unless given."""
    detail = f"{lookup.rdtype} {lookup.name}: {lookup.detail or lookup.status}"
    return errored(lookup.status.error_reason, detail, evidence or {"lookup": lookup.as_evidence()})


def caa_evidence(caa: CaaFacts) -> dict[str, Any]:
    """Every name asked while climbing, where the relevant set was found, and its records."""
    return {
        "lookups": [{"name": lk.name, "status": lk.status.value} for lk in caa.lookups],
        "owner": caa.owner,
        "records": list(caa.records),
    }


def judge_caa(
    caa: CaaFacts,
    evidence: Mapping[str, Any],
    *,
    missing: Mapping[str, str],
    present: Mapping[str, str] | None = None,
) -> Outcome:
    """The relevant CAA set (RFC 8659): an error when the climb failed; a failure when no set
    governs the name, or when the set has no issue/issuewild property (it then restricts no
    issuer); else a pass. ``missing`` and ``present`` are the values that the family's messages
    of those names add (the domain or host judged)."""
    if caa.failure is not None:
        return errored(caa.failure.error_reason, f"CAA {caa.failed_at}: {caa.failure.value}", evidence)
    if not caa.owner:
        return failed("missing", evidence, **missing)
    records = " | ".join(caa.records)
    tags = {r.split()[1].lower() for r in caa.records if len(r.split()) > 2}
    if not tags.intersection(_ISSUE_TAGS):
        return failed("no-issue-property", evidence, owner=caa.owner, records=records)
    return passed("present", evidence, owner=caa.owner, records=records, **(present or {}))
