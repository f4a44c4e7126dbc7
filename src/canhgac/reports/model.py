"""What a report is made from: pydantic models independent of the database.

The store (or a test) builds a ``ReportInput``; grading and every output format read only it,
so a report can be reproduced from its JSON export alone.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from canhgac.engine.results import CheckResult, Provenance
from canhgac.findings.reconcile import Lifecycle
from canhgac.i18n import N_, translate

Language = Literal["vi", "en"]


class TriageState(StrEnum):
    UNTRIAGED = "untriaged"
    CONFIRMED = "confirmed"
    ACCEPTED_RISK = "accepted_risk"
    FALSE_POSITIVE = "false_positive"

    def label(self, lang: str | None = None) -> str:
        """The triage decision as a reader says it (``Chấp nhận rủi ro``/``Accepted risk``);
        JSON and CSV keep the raw value."""
        return translate(_TRIAGE_LABELS[self], lang)


_TRIAGE_LABELS = {
    TriageState.UNTRIAGED: N_("Not triaged"),
    TriageState.CONFIRMED: N_("Confirmed"),
    TriageState.ACCEPTED_RISK: N_("Accepted risk"),
    TriageState.FALSE_POSITIVE: N_("False positive"),
}


class Province(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    name: str


class ReportAgency(BaseModel):
    """An agency as a report names it (from the store, also for agencies that left the
    inventory); not ``canhgac.inventory.model.Agency``, the validated inventory entry."""

    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    kind: str = ""  # e.g. department, district committee
    parent: str | None = None  # code of the parent agency


class RunStatus(StrEnum):
    """How a run ended; the results of a run stopped early (by a signal: interrupted, by an
    error: failed) are real but do not cover its plan."""

    FINISHED = "finished"
    INTERRUPTED = "interrupted"
    FAILED = "failed"


class RunInfo(BaseModel):
    """A scan run results come from, what produced them, and how much of its plan it covered."""

    model_config = ConfigDict(frozen=True)

    id: str
    started_at: datetime
    finished_at: datetime | None = None
    provenance: Provenance
    resolver: str = ""  # the DNS resolver(s) used, as given to the run
    status: RunStatus = RunStatus.FINISHED
    kind: str = "scan"  # scan (whole inventory), narrow (-a/-f), retest
    planned_targets: int = 0  # targets the run set out to scan
    scanned_targets: int = 0  # targets with at least one stored result
    results: int = 0  # results this run contributes to the report
    # what the run said about its own set-up (e.g. a blocklist zone left out), in its language
    warnings: tuple[str, ...] = ()

    @property
    def interrupted(self) -> bool:
        return self.status is not RunStatus.FINISHED


class Triage(BaseModel):
    """A person's judgement on a finding; it survives rescans (keyed by fingerprint)."""

    model_config = ConfigDict(frozen=True)

    state: TriageState = TriageState.UNTRIAGED
    assignee: str = ""
    note: str = ""


class ChangeSummary(BaseModel):
    """What changed since the previous run, as finding fingerprints."""

    model_config = ConfigDict(frozen=True)

    previous_run_id: str | None = None
    previous_run_at: datetime | None = None
    new: tuple[str, ...] = ()
    fixed: tuple[str, ...] = ()
    reopened: tuple[str, ...] = ()
    # of ``new``: findings whose target and check the previous run did not test (it errored or
    # had no result), so they may be old problems seen for the first time, not new ones
    first_tested: tuple[str, ...] = ()


class FindingSeen(BaseModel):
    """When a finding was first and last observed (from the store's finding history)."""

    model_config = ConfigDict(frozen=True)

    first_seen: datetime
    last_seen: datetime


class OpenService(BaseModel):
    """An open port of a discovered host and what answers there (from the store's assets)."""

    model_config = ConfigDict(frozen=True)

    agency: str
    address: str
    port: int
    protocol: str = "tcp"
    service: str = ""  # "" when the port is open but nothing was identified
    product: str = ""
    version: str = ""
    tls: str = ""  # the TLS version when the service answered inside TLS
    first_seen: datetime | None = None
    last_seen: datetime | None = None


class CampaignShare(BaseModel):
    """An agency's account campaign (issue 16, item 4): leaked accounts, and the cases closed."""

    model_config = ConfigDict(frozen=True)

    affected: int
    closed: int

    @property
    def percent(self) -> int:
        return 100 if self.affected <= 0 else (100 * self.closed) // self.affected


class ReportInput(BaseModel):
    """Everything one report needs."""

    model_config = ConfigDict(frozen=True)

    province: Province
    agencies: tuple[ReportAgency, ...]
    run: RunInfo
    results: tuple[CheckResult, ...]
    lifecycle: dict[str, Lifecycle] = Field(default_factory=dict)  # by fingerprint
    triage: dict[str, Triage] = Field(default_factory=dict)  # by fingerprint
    seen: dict[str, FindingSeen] = Field(default_factory=dict)  # by fingerprint
    changes: ChangeSummary = Field(default_factory=ChangeSummary)
    lang: Language = "vi"
    # "state": the latest result per target and check across ``runs``; "run": ``run`` alone
    scope: Literal["state", "run"] = "run"
    runs: tuple[RunInfo, ...] = ()  # the runs the results come from, latest first
    # declared targets (by agency) with no result: never counted as covered or passed
    missing: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    # open ports of the agencies' discovered hosts (the services table, the provider view)
    services: tuple[OpenService, ...] = ()
    # the account campaign's cases by agency (current-state reports only): the share closed
    campaign: dict[str, CampaignShare] = Field(default_factory=dict)
    # a report of one run: the agencies with leaked accounts whose campaign (a current-state
    # figure, not a result of the run) is left out; the report says where to find it
    campaign_omitted: tuple[str, ...] = ()
    _names: tuple[tuple[ReportAgency, ...], dict[str, str]] | None = PrivateAttr(default=None)

    @property
    def interrupted_runs(self) -> tuple[RunInfo, ...]:
        return tuple(r for r in (self.runs or (self.run,)) if r.interrupted)

    def triage_of(self, fingerprint: str) -> Triage:
        return self.triage.get(fingerprint, Triage())

    def agency_name(self, code: str) -> str:
        """The agency's name, or its code when the inventory no longer lists it."""
        # asked once per result row: a dict, not a scan of the agencies; kept with the tuple it
        # was made from, so a copy with other agencies (``model_copy``) makes its own
        kept = self._names
        if kept is None or kept[0] is not self.agencies:
            names: dict[str, str] = {}
            for a in self.agencies:
                names.setdefault(a.code, a.name)  # the first listed, as a scan would find
            kept = self._names = (self.agencies, names)
        return kept[1].get(code, code)
