"""Build a report from the store and write it as HTML, JSON and CSV."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from canhgac.catalog import Catalog, load_catalog
from canhgac.engine.results import CheckResult, Provenance
from canhgac.engine.targets import TargetKind
from canhgac.findings.reconcile import Lifecycle
from canhgac.findings.triage import effective_triage
from canhgac.i18n import gettext as _
from canhgac.reports.exports import to_csv, to_json
from canhgac.reports.grading import load_scoring
from canhgac.reports.html import render_html
from canhgac.reports.model import (
    CampaignShare,
    ChangeSummary,
    FindingSeen,
    Language,
    OpenService,
    Province,
    ReportAgency,
    ReportInput,
    RunInfo,
    RunStatus,
    Triage,
    TriageState,
)

FORMATS = ("html", "json", "csv")


class NoRunError(LookupError):
    """There is no finished run to report on."""


class UnknownProviderError(LookupError):
    """``--provider`` named no provider agency with declared ranges."""


class UnknownAgencyError(LookupError):
    """``--agency`` named no agency of the inventory."""


def _only_agency(report: ReportInput, code: str) -> ReportInput:
    """The report an agency head can be sent: that agency's results, findings and changes only.

    The parent agency is dropped too (its name is another agency's), as are change entries and
    missing targets of other agencies; the grades are then computed from this input alone.
    """
    keep = {r.fingerprint for r in report.results if r.agency == code}
    changes = report.changes

    def own(fps: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(fp for fp in fps if fp in keep)

    return report.model_copy(update={
        "agencies": tuple(a.model_copy(update={"parent": None}) for a in report.agencies if a.code == code),
        "results": tuple(r for r in report.results if r.agency == code),
        "lifecycle": {fp: v for fp, v in report.lifecycle.items() if fp in keep},
        "triage": {fp: v for fp, v in report.triage.items() if fp in keep},
        "seen": {fp: v for fp, v in report.seen.items() if fp in keep},
        "changes": changes.model_copy(update={
            "new": own(changes.new), "fixed": own(changes.fixed), "reopened": own(changes.reopened),
            "first_tested": own(changes.first_tested)}),
        "missing": {c: keys for c, keys in report.missing.items() if c == code},
        "campaign": {c: share for c, share in report.campaign.items() if c == code},
        "campaign_omitted": tuple(c for c in report.campaign_omitted if c == code),
    })


def provider_ranges(scope: Any, code: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """The address ranges a provider agency declares as hosting agencies' systems."""
    from canhgac.console.store import queries

    agency = queries.agency_by_code(scope, code)
    if agency is None or agency.kind != "provider":
        raise UnknownProviderError(_("{code} is not a provider agency of the inventory").format(code=code))
    values = [value for _code, _kind, value in queries.declared_assets(scope, [code], ["range"])]
    return [ipaddress.ip_network(v, strict=False) for v in values]


def _in_ranges(text: str, ranges: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    return any(address in net for net in ranges)


def _hosted(result: CheckResult, ranges: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    return result.target.kind is TargetKind.HOST and _in_ranges(result.target.name, ranges)


def _open_service(found: Any) -> OpenService:
    return OpenService(
        agency=found.agency, address=found.address, port=found.port, protocol=found.protocol,
        service=found.service, product=found.product, version=found.version, tls=found.tls,
        first_seen=found.first_seen, last_seen=found.last_seen,
    )


def run_kind(filters: Mapping[str, Any]) -> str:
    """``scan`` (the whole inventory), ``narrow`` (``-a``, ``-f``) or ``retest`` (explicit targets)."""
    if not filters.get("province"):
        return "retest"
    if any(filters.get(k) for k in ("agencies", "families", "checks", "targets")):
        return "narrow"
    return "scan"


_ENDED = frozenset(s.value for s in RunStatus)  # the store's run statuses a report can show


def run_info(run: Any, results: int | None = None, scanned: int | None = None) -> RunInfo:
    """A stored run as the report describes it."""
    status = RunStatus(run.status) if run.status in _ENDED else RunStatus.FINISHED  # reported runs have ended
    filters = run.filters if isinstance(run.filters, dict) else {}
    return RunInfo(
        id=str(run.pk), started_at=run.started_at, finished_at=run.finished_at,
        provenance=Provenance.model_validate(run.provenance), resolver=run.resolver,
        status=status, kind=run_kind(filters), planned_targets=run.target_count,
        scanned_targets=scanned if scanned is not None else 0,
        results=results if results is not None else run.result_count,
        warnings=tuple(str(w) for w in run.warnings or () if isinstance(w, str)),
    )


def _reportable_run(scope: Any, run_id: int) -> Any:
    from canhgac.console.store import queries

    run = queries.run_by_id(scope, run_id)
    if run is None:
        raise NoRunError(_("there is no run {run} in the store").format(run=run_id))
    if run.status not in _ENDED or run.finished_at is None:
        from canhgac.console.store.errors import RunNotFinishedError

        raise RunNotFinishedError(run_id, run.status)  # one message for it, in cli/failures.py
    return run


def _missing_targets(scope: Any, codes: Iterable[str],
                     results: Sequence[CheckResult]) -> dict[str, tuple[str, ...]]:
    """Declared domains and portals of these agencies that have no result at all."""
    from canhgac.console.store import queries

    seen = {r.target.key for r in results}
    missing: dict[str, list[str]] = {}
    for code, kind, value in queries.declared_assets(scope, codes, ("domain", "url")):
        key = f"{kind}:{value}"
        if key not in seen:
            missing.setdefault(code, []).append(key)
    return {code: tuple(keys) for code, keys in missing.items()}


def report_input(
    run_id: int | None = None, lang: Language = "vi", provider: str | None = None,
    agency: str | None = None, scope: Any = None,
) -> ReportInput:
    """The report's input: one run (``run_id``), or the current state of every target.

    The current state is the latest result per target and check across finished and
    interrupted runs (``queries.current_results``), so a retest or a narrow scan updates it.
    Log detections (target ``log:CODE``) are left out: attacks seen, shown on ``/logs/``, not graded.
    ``scope`` (a ``queries.ViewerScope``, default every agency) limits what the report shows.
    """
    from django.utils.timezone import localdate

    from canhgac.console.store import queries
    from canhgac.console.store.mapping import check_result

    viewer = scope if scope is not None else queries.ViewerScope.everything()
    if agency is not None:
        if queries.agency_by_code(viewer, agency) is None:
            known = queries.active_agency_codes(viewer)
            raise UnknownAgencyError(_(
                "there is no agency {code} in the inventory; its agencies: {codes}"
            ).format(code=agency, codes=", ".join(known)))
        viewer = viewer.narrowed({agency})  # an agency's report reads that agency's rows alone
    state = run_id is None
    if state:
        latest = queries.latest_reportable_run(viewer)
        if latest is None:
            raise NoRunError(_("no finished scan run in the store: run `canhgac scan` first"))
        active = queries.active_agency_codes(viewer)
        rows = list(queries.current_results(viewer.narrowed(active) if active else viewer))
        until = latest
    else:
        assert run_id is not None
        until = _reportable_run(viewer, run_id)
        rows = list(queries.results_of_run(viewer, until))
    # a log detection is an attack seen (docs/logs.md), not a configuration judged: not graded
    rows = [row for row in rows if row.target_kind != "log"]
    results = [check_result(row) for row in rows]
    run_of = {row.fingerprint: row.run_id for row in rows}  # rows were fetched once, above
    services = [_open_service(s) for s in queries.host_services(viewer, run=None if state else until)]
    if provider is not None:  # task 4 of the directive: what a provider's hosted ranges expose
        ranges = provider_ranges(viewer, provider)
        results = [r for r in results if _hosted(r, ranges)]
        services = [s for s in services if _in_ranges(s.address, ranges)]
    fingerprints = {r.fingerprint for r in results}
    lifecycle: dict[str, Lifecycle] = {}
    triage: dict[str, Triage] = {}
    seen: dict[str, FindingSeen] = {}
    found = queries.findings_by_fingerprints(viewer, fingerprints)
    today = localdate()  # an accepted risk past its last day counts as untriaged
    # plain values, not models: tens of thousands of findings at a province's scale
    for fp, stage, held_as, until_day, assignee, note, first, last in found.values_list(
        "fingerprint", "lifecycle", "triage", "acceptance__until", "assignee", "note",
        "first_seen_run__started_at", "last_seen_run__started_at",
    ):
        lifecycle[fp] = Lifecycle(stage)
        held = effective_triage(held_as, until_day, today)
        triage[fp] = Triage(state=TriageState(held), assignee=assignee, note=note)
        seen[fp] = FindingSeen(first_seen=first, last_seen=last)
    previous = _baseline(viewer, until) if state else queries.previous_finished_run(viewer, until)
    changes = _changes(viewer, previous, until)
    codes = {r.agency for r in results}
    filters = until.filters if isinstance(until.filters, dict) else {}
    if provider is None and (state or run_kind(filters) != "retest"):
        # every agency the report covers is listed, graded incomplete when it has no result
        chosen = filters.get("agencies") if not state else None
        codes |= {c for c in (chosen or queries.active_agency_codes(viewer)) if viewer.allows(c)}
    agencies = tuple(
        ReportAgency(code=a.code, name=a.name, kind=a.kind, parent=a.parent.code if a.parent else None)
        for a in queries.agencies(viewer, codes)
    )
    missing: dict[str, tuple[str, ...]] = {}
    if provider is None and (state or until.status == "interrupted"):
        missing = _missing_targets(viewer, codes, results)
    contributing = _runs(viewer, results, until, state, run_of)
    given = filters.get("province")
    province: Mapping[str, str] = queries.latest_province(viewer)
    if not state and isinstance(given, dict) and given.get("name"):
        province = {"code": str(given.get("code", "")), "name": str(given["name"])}
    if provider is not None:
        owner = queries.agency_by_code(viewer, provider)
        owner_name = owner.name if owner is not None else provider
        province = {"code": province["code"], "name": f"{province['name']} — {owner_name} ({provider})"}
    if agency is not None:
        head = queries.agency_by_code(viewer, agency)
        province = {"code": province["code"], "name": f"{province['name']} — {head.name if head else agency}"}
    campaign = _campaign(viewer, codes)  # a run's report only says it exists (current state)
    built = ReportInput(
        province=Province(code=province["code"], name=province["name"]),
        agencies=agencies,
        run=contributing[0] if contributing else run_info(until, len(results), 0),
        results=tuple(results),
        lifecycle=lifecycle,
        triage=triage,
        seen=seen,
        changes=changes,
        lang=lang,
        scope="state" if state else "run",
        runs=contributing,
        missing=missing,
        services=tuple(s for s in services if s.agency in codes),
        campaign=campaign if state else {},
        campaign_omitted=() if state else tuple(campaign),
    )
    return built if agency is None else _only_agency(built, agency)


def _campaign(scope: Any, codes: set[str]) -> dict[str, CampaignShare]:
    """The account campaign's share closed per agency of the report (those with leaked accounts)."""
    from canhgac.console.store.campaign_queries import closure_counts

    return {
        code: CampaignShare(affected=affected, closed=closed)
        for code, (affected, closed) in sorted(closure_counts(scope).items())
        if code in codes
    }


def _runs(scope: Any, results: Sequence[CheckResult], until: Any, state: bool,
          run_of: Mapping[str, int]) -> tuple[RunInfo, ...]:
    """The runs behind the results, latest first (their share of the report, or the one run)."""
    from canhgac.console.store import queries

    if not state:
        return (run_info(until, len(results), len({r.target.key for r in results})),)
    observed = ((run_of[r.fingerprint], r.target.key) for r in results)
    return tuple(run_info(s.run, s.results, s.targets) for s in queries.state_runs(scope, observed))


def _baseline(scope: Any, latest: Any) -> Any:
    """What the state is compared with: the whole-inventory scan before the latest one.

    So the changes cover the latest full scan and every retest or narrow scan after it.
    """
    from canhgac.console.store import queries

    ended = queries.reportable_runs(scope, "finished").filter(finished_at__lte=latest.finished_at)
    full = [r for r in ended.only("pk", "filters", "finished_at") if run_kind(r.filters or {}) == "scan"]
    return full[1] if len(full) > 1 else None


def _changes(scope: Any, previous: Any, until: Any) -> ChangeSummary:
    from canhgac.console.store import queries
    from canhgac.findings.reconcile import ChangeKind

    summary = queries.change_summary(scope, previous, until)
    new = summary.of_kind(ChangeKind.NEW)
    return ChangeSummary(
        previous_run_id=str(previous.pk) if previous else None,
        previous_run_at=previous.finished_at if previous else None,
        new=tuple(c.finding.fingerprint for c in new),
        first_tested=_first_tested(previous, [c.finding for c in new]),
        fixed=tuple(c.finding.fingerprint for c in summary.of_kind(ChangeKind.FIXED)),
        reopened=tuple(c.finding.fingerprint for c in summary.of_kind(ChangeKind.REOPENED)),
    )


def _first_tested(previous: Any, new: Sequence[Any]) -> tuple[str, ...]:
    """New findings whose target and check ``previous`` did not test and pass (it errored, or
    had no result): problems seen for the first time, not necessarily problems that are new."""
    from canhgac.console.store import models

    if previous is None or not new:
        return ()
    passed = set(models.Result.objects.filter(
        run=previous, status="pass", check_id__in={f.check_id for f in new},
    ).values_list("check_id", "target_key"))
    return tuple(f.fingerprint for f in new if (f.check_id, f.target_key) not in passed)


class ReportOutputError(OSError):
    """The report folder cannot be used; the message names the folder and what to change."""


class ReportFolderUnusableError(ReportOutputError):
    """The report folder could not be created or written (read-only, full, no permission)."""


def _output_folder(out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise ReportOutputError(_(
            "--out {path} is a file; --out names the folder the report files go to: give a folder"
        ).format(path=out_dir))
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportFolderUnusableError(_(
            "cannot create the report folder {path}: {error}; make it writable or choose another --out"
        ).format(
            path=out_dir, error=exc.strerror or exc)) from None


def report_stem(report: ReportInput, *, provider: str | None = None, agency: str | None = None) -> str:
    """``canhgac-runN-LANG`` for run N, ``canhgac-state-runN-LANG`` for the state as of run N,
    followed by ``-provider-CODE`` or ``-agency-CODE``."""
    kind = "state-" if report.scope == "state" else ""
    stem = f"canhgac-{kind}run{report.run.id}-{report.lang}" + (f"-provider-{provider}" if provider else "")
    return stem + (f"-agency-{agency}" if agency else "")


def render_reports(run_id: int | None, *, lang: Language = "vi", formats: tuple[str, ...] = FORMATS,
                   catalog: Catalog | None = None, provider: str | None = None,
                   agency: str | None = None, scope: Any = None) -> list[tuple[str, str | bytes]]:
    """The chosen formats as (file name, content), in ``FORMATS`` order: the one report generator
    behind ``canhgac report`` (which writes them) and the console's downloads (which send one)."""
    catalog = catalog or load_catalog()
    policy = load_scoring()
    report = report_input(run_id, lang, provider, agency, scope)
    stem = report_stem(report, provider=provider, agency=agency)
    outputs: list[tuple[str, str | bytes]] = []
    if "html" in formats:
        outputs.append((f"{stem}.html", render_html(report, catalog, policy)))
    if "json" in formats:
        outputs.append((f"{stem}.json", to_json(report, catalog, policy)))
    if "csv" in formats:
        outputs.append((f"{stem}.csv", to_csv(report, catalog)))
    return outputs


def write_reports(run_id: int | None, out_dir: Path, *, lang: Language = "vi",
                  formats: tuple[str, ...] = FORMATS, catalog: Catalog | None = None,
                  provider: str | None = None, agency: str | None = None,
                  scope: Any = None) -> list[Path]:
    """Write the chosen formats: of one run, or of the current state (``run_id`` None).

    File names are ``report_stem``'s; writing the same report again replaces its files.
    """
    outputs = render_reports(run_id, lang=lang, formats=formats, catalog=catalog, provider=provider,
                             agency=agency, scope=scope)
    _output_folder(out_dir)
    written = []
    for name, content in outputs:
        path = out_dir / name
        try:
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        except OSError as exc:
            raise ReportFolderUnusableError(_(
                "cannot write {path}: {error}; make the folder writable, free space, or choose another --out"
            ).format(
                path=path, error=exc.strerror or exc)) from None
        written.append(path)
    return written
