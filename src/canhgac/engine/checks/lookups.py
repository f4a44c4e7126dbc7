"""The error outcome of a DNS lookup that failed: one wording for every check family."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from canhgac.engine.collectors.mail_domain import Lookup
from canhgac.engine.results import Outcome, errored


def lookup_error(lookup: Lookup, evidence: Mapping[str, Any] | None = None) -> Outcome:
    """``error`` with the lookup's reason; the lookup itself is the evidence unless given."""
    detail = f"{lookup.rdtype} {lookup.name}: {lookup.detail or lookup.status}"
    return errored(lookup.status.error_reason, detail, evidence or {"lookup": lookup.as_evidence()})
