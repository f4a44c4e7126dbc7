"""The console's report downloads: which reports a viewer may take, and one of them as a file.

The files come from ``reporting.render_reports``, the generator behind ``canhgac report``, so a
download and the CLI's file are the same bytes. Who may take what: the province report goes to
the roles that see every agency (the CSIRT and leaders); an agency's report goes to anyone whose
scope holds the agency, so an officer asking for another agency's report is told it does not
exist, exactly as for a code no agency has. Each download is logged (``export``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from canhgac.reports.model import Language
from canhgac.services.reporting import FORMATS, NoRunError, UnknownAgencyError, render_reports

CONTENT_TYPES = {"html": "text/html; charset=utf-8", "json": "application/json",
                 "csv": "text/csv; charset=utf-8"}


class ReportNotAvailableError(LookupError):
    """No such report for this viewer (unknown or foreign agency, unknown format)."""


@dataclass(frozen=True, slots=True)
class AgencyChoice:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class ReportChoices:
    """What the reports page offers: the province report (or not) and the agencies' reports."""

    province: bool
    agencies: tuple[AgencyChoice, ...]
    has_run: bool  # False before any scan finished: nothing can be reported yet
    formats: tuple[str, ...] = FORMATS


@dataclass(frozen=True, slots=True)
class ReportFile:
    name: str
    content: bytes
    content_type: str


def report_choices(scope: Any, may_take_province: bool) -> ReportChoices:
    """The reports a viewer of ``scope`` (a ``queries.ViewerScope``) may download."""
    from canhgac.console.store import queries

    agencies = tuple(AgencyChoice(a.code, a.name)
                     for a in queries.agencies(scope, queries.active_agency_codes(scope)))
    has_run = queries.latest_reportable_run(scope) is not None
    return ReportChoices(province=may_take_province, agencies=agencies, has_run=has_run)


def report_file(scope: Any, may_take_province: bool, fmt: str, lang: Language, *,
                agency: str | None, catalog: Any = None) -> ReportFile:
    """The province report (``agency`` None) or one agency's, in ``fmt``, as the viewer may see it.

    Raises ``ReportNotAvailableError`` for what the viewer may not take, ``NoRunError`` before
    any scan finished."""
    from canhgac.console.store import queries

    if fmt not in FORMATS:
        raise ReportNotAvailableError(fmt)
    if agency is None and not may_take_province:
        raise ReportNotAvailableError("province")
    if agency is not None and queries.agency_by_code(scope, agency) is None:
        raise ReportNotAvailableError(agency)  # foreign and unknown agencies alike
    try:
        ((name, content),) = render_reports(None, lang=lang, formats=(fmt,), catalog=catalog,
                                            agency=agency, scope=scope)
    except UnknownAgencyError:
        raise ReportNotAvailableError(agency) from None
    data = content if isinstance(content, bytes) else content.encode("utf-8")
    return ReportFile(name, data, CONTENT_TYPES[fmt])


__all__ = ["CONTENT_TYPES", "AgencyChoice", "NoRunError", "ReportChoices", "ReportFile",
           "ReportNotAvailableError", "report_choices", "report_file"]
