"""Build a report from the store and write it as HTML, JSON and CSV."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from canhgac.catalog import Catalog, load_catalog
from canhgac.engine.results import CheckResult, ErrorReason, Message, Provenance, Status
from canhgac.engine.targets import Target, TargetKind
from canhgac.reports.exports import to_csv, to_json
from canhgac.reports.grading import load_scoring
from canhgac.reports.html import render_html
from canhgac.reports.model import (
    Agency,
    ChangeSummary,
    Language,
    Lifecycle,
    Province,
    ReportInput,
    RunInfo,
    Triage,
    TriageState,
)

FORMATS = ("html", "json", "csv")


class NoRunError(LookupError):
    """There is no finished run to report on."""


def target_from_key(key: str, agency: str) -> Target:
    """Inverse of ``Target.key`` (``kind:name`` or ``kind:name:port`` for services)."""
    kind_text, _, rest = key.partition(":")
    kind = TargetKind(kind_text)
    port: int | None = None
    if kind is TargetKind.SERVICE:
        host, _, port_text = rest.rpartition(":")
        rest, port = host, int(port_text)
    return Target(kind=kind, name=rest, agency=agency, port=port)


class UnknownProviderError(LookupError):
    """``--provider`` named no provider agency with declared ranges."""


def provider_ranges(code: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """The address ranges a provider agency declares as hosting agencies' systems."""
    from canhgac.console.store import models

    agency = models.Agency.objects.filter(code=code).first()
    if agency is None or agency.kind != "provider":
        raise UnknownProviderError(f"{code} is not a provider agency of the inventory")
    values = models.Asset.objects.filter(agency=agency, kind="range").values_list("value", flat=True)
    return [ipaddress.ip_network(v, strict=False) for v in values]


def _hosted(result: CheckResult, ranges: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    if result.target.kind is not TargetKind.HOST:
        return False
    try:
        address = ipaddress.ip_address(result.target.name)
    except ValueError:
        return False
    return any(address in net for net in ranges)


def report_input(
    run_id: int | None = None, lang: Language = "vi", provider: str | None = None
) -> ReportInput:
    from canhgac.console.store import models, queries

    run = (models.ScanRun.objects.filter(pk=run_id).first() if run_id is not None
           else queries.latest_finished_run())
    if run is None:
        raise NoRunError("no finished scan run in the store: run `canhgac scan` first")
    results = []
    for row in models.Result.objects.filter(run=run).order_by("agency_code", "target_key", "check_id"):
        results.append(CheckResult(
            check_id=row.check_id,
            target=target_from_key(row.target_key, row.agency_code),
            status=Status(row.status),
            message=Message(key=row.message_key, values=row.message_values),
            evidence=row.evidence,
            error_reason=ErrorReason(row.error_reason) if row.error_reason else None,
            discriminator=row.discriminator,
            observed_at=row.observed_at,
            duration_ms=row.duration_ms,
        ))
    if provider is not None:  # task 4 of the directive: what a provider's hosted ranges expose
        ranges = provider_ranges(provider)
        results = [r for r in results if _hosted(r, ranges)]
    fingerprints = {r.fingerprint for r in results}
    lifecycle: dict[str, Lifecycle] = {}
    triage: dict[str, Triage] = {}
    for f in models.Finding.objects.filter(fingerprint__in=fingerprints):
        lifecycle[f.fingerprint] = Lifecycle(f.lifecycle)
        triage[f.fingerprint] = Triage(state=TriageState(f.triage), assignee=f.assignee, note=f.note)
    previous = queries.previous_finished_run(run)
    summary = queries.change_summary(previous, run)
    from canhgac.findings.reconcile import ChangeKind

    changes = ChangeSummary(
        previous_run_id=str(previous.pk) if previous else None,
        previous_run_at=previous.finished_at if previous else None,
        new=tuple(c.finding.fingerprint for c in summary.of_kind(ChangeKind.NEW)),
        fixed=tuple(c.finding.fingerprint for c in summary.of_kind(ChangeKind.FIXED)),
        reopened=tuple(c.finding.fingerprint for c in summary.of_kind(ChangeKind.REOPENED)),
    )
    codes = {r.agency for r in results}
    agencies = tuple(
        Agency(code=a.code, name=a.name, kind=a.kind, parent=a.parent.code if a.parent else None)
        for a in models.Agency.objects.filter(code__in=codes).select_related("parent").order_by("code")
    )
    province = run.filters.get("province") or {"code": "", "name": ""}
    if provider is not None:
        owner = models.Agency.objects.get(code=provider)
        province = {"code": province["code"], "name": f"{province['name']} — {owner.name} ({provider})"}
    return ReportInput(
        province=Province(code=province["code"], name=province["name"]),
        agencies=agencies,
        run=RunInfo(id=str(run.pk), started_at=run.started_at, finished_at=run.finished_at,
                    provenance=Provenance.model_validate(run.provenance), resolver=run.resolver),
        results=tuple(results),
        lifecycle=lifecycle,
        triage=triage,
        changes=changes,
        lang=lang,
    )


def write_reports(run_id: int | None, out_dir: Path, *, lang: Language = "vi",
                  formats: tuple[str, ...] = FORMATS, catalog: Catalog | None = None,
                  provider: str | None = None) -> list[Path]:
    """Write the chosen formats for a run (the latest finished one by default)."""
    catalog = catalog or load_catalog()
    policy = load_scoring()
    report = report_input(run_id, lang, provider)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"canhgac-run{report.run.id}-{lang}" + (f"-provider-{provider}" if provider else "")
    written = []
    if "html" in formats:
        path = out_dir / f"{stem}.html"
        path.write_text(render_html(report, catalog, policy), encoding="utf-8")
        written.append(path)
    if "json" in formats:
        path = out_dir / f"{stem}.json"
        path.write_text(to_json(report, catalog, policy), encoding="utf-8")
        written.append(path)
    if "csv" in formats:
        path = out_dir / f"{stem}.csv"
        path.write_bytes(to_csv(report, catalog))
        written.append(path)
    return written
