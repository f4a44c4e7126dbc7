"""Benchmark: the directive's compliance at a province's scale (issue 15: clause status for 300
agencies × 100 clauses recomputed ≤ 5 s; the province summary for 300 agencies ≤ 30 s).

Three figures, in this process:

1. **The status computation alone** (``compliance.compute``, pure): 300 agencies × 100 items
   (the shipped tasks' kinds repeated: clause items over every clause of the catalog, answers,
   the watch, campaign items), each agency with clause verdicts, open findings, monitors, alerts
   and answers — N runs, median and max.
2. **The status from the store** (``services.compliance.compliance_status``): a SQLite store
   seeded with 300 agencies, one finished scan with every automated domain check of the catalog
   on each agency's domain (some failing), watch monitors with open alerts, and answers in every
   review state; timed end to end (the current results read, graded — the clause verdicts the
   dashboard computes —, the watch and answers read, the status computed).
3. **The province summary** (status + summary + DOCX + HTML written), end to end.

Writes a section of docs/benchmarks.md.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import time
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench import harness, report_md

if TYPE_CHECKING:
    import argparse

STATUS_LIMIT_S = 5.0
SUMMARY_LIMIT_S = 30.0
HOLIDAY = dt.date(2027, 2, 5)
TODAY = dt.date(2027, 2, 1)


def main(argv: list[str]) -> int:
    ap = harness.options("compliance")
    ap.add_argument("--agencies", type=int, default=300)
    ap.add_argument("--items", type=int, default=100, help="items of the synthetic directive (figure 1)")
    ap.add_argument("--runs", type=int, default=5, help="runs of each figure")
    args = harness.parse(ap, argv)
    with harness.work_dir("canhgac-bench-compliance-", keep=args.keep, kept=" (store, summary)") as work:
        return run(args, work)


def _synthetic(items: int) -> tuple[Any, dict[str, frozenset[str]]]:
    from canhgac.catalog import load_catalog
    from canhgac.compliance import Directive, ItemKind, load_directive

    catalog = load_catalog()
    shipped = load_directive(catalog)
    clauses = [f"{fw.id}:{c.id}" for fw in catalog.frameworks.values() for c in fw.clauses]
    kinds = [item for item in shipped.items]
    made: list[dict[str, Any]] = []
    for n in range(items):
        base = kinds[n % len(kinds)]
        data = base.model_dump(mode="json")
        data["id"] = f"{base.id.split('.')[0]}.x{n}"
        if base.kind is ItemKind.CLAUSE:
            data["clause"] = clauses[n % len(clauses)]
        made.append(data)
    tasks = []
    for task in shipped.tasks:
        mine = [d for d in made if d["id"].split(".")[0] == task.id]
        tasks.append({**task.model_dump(mode="json"), "items": mine})
    directive = Directive.model_validate({**shipped.model_dump(mode="json"), "tasks": tasks})
    checks = {}
    for key in clauses:
        fw, _, cid = key.partition(":")
        checks[key] = frozenset(next(c for c in catalog.frameworks[fw].clauses if c.id == cid).checks)
    return directive, checks


def _facts(directive: Any, checks: dict[str, frozenset[str]], agencies: int) -> list[Any]:
    from canhgac.compliance import AgencyFacts, Answer, AnswerFact, ItemKind, Review

    rng = random.Random(15)
    verdicts = ["met", "not_met", "partial", "not_assessed", "not_applicable"]
    every_check = sorted({c for cs in checks.values() for c in cs})
    answer_items = [i.id for i in directive.items if i.kind is ItemKind.ANSWER]
    facts = []
    for a in range(agencies):
        failing = rng.sample(every_check, 12)
        facts.append(
            AgencyFacts(
                code=f"AG{a:04d}",
                clauses={key: rng.choice(verdicts) for key in checks},
                findings={c: tuple(f"{a:04d}{c}{k}" for k in range(3)) for c in failing},
                monitors=rng.randint(0, 4),
                open_alerts=tuple(range(rng.randint(0, 2))),
                answers={
                    item: AnswerFact(n, rng.choice(list(Answer)), rng.choice(list(Review)), 1)
                    for n, item in enumerate(answer_items)
                    if rng.random() < 0.7
                },
            )
        )
    return facts


def _pure(args: argparse.Namespace) -> tuple[list[float], int]:
    from canhgac.compliance import compute

    directive, checks = _synthetic(args.items)
    facts = _facts(directive, checks, args.agencies)
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        result = compute(directive, checks, facts, today=TODAY, holiday=HOLIDAY)
        times.append(time.perf_counter() - start)
    return times, len(result.cells)


def _seed(agencies: int) -> int:
    """The store: agencies, one scan of every automated domain check, monitors, alerts, answers.
    Returns the number of results stored."""
    from canhgac.catalog import Mode, load_catalog
    from canhgac.compliance import load_directive
    from canhgac.console.store import services
    from canhgac.console.store.compliance_models import ComplianceAnswer
    from canhgac.console.store.models import RunStatus
    from canhgac.console.store.watch_models import WatchAlert, WatchAlertMember, WatchMonitor
    from canhgac.engine.results import CheckResult, Provenance, failed, passed
    from canhgac.engine.targets import Target, TargetKind

    rng = random.Random(20)
    catalog = load_catalog()
    codes = [f"AG{a:04d}" for a in range(agencies)]
    services.sync_agencies(
        [{"code": c, "name": f"Cơ quan số {i}", "domains": [f"{c.lower()}.gov.vn"]} for i, c in enumerate(codes)]
    )
    domain_checks = sorted(
        e.id for e in catalog.checks.values() if e.mode is Mode.AUTOMATED and e.target == "domain"
    )
    run = services.start_run(provenance=Provenance(canhgac_version="bench", catalog_version=catalog.version))
    now = dt.datetime.now(dt.UTC)
    results = []
    for code in codes:
        target = Target(kind=TargetKind.DOMAIN, name=f"{code.lower()}.gov.vn", agency=code)
        for check_id in domain_checks:
            outcome = failed("x") if rng.random() < 0.08 else passed("x")
            results.append(CheckResult(check_id=check_id, target=target, status=outcome.status,
                                       message=outcome.message, evidence={}, observed_at=now))
    services.record_results(run, results)
    services.finish_run(run, RunStatus.FINISHED)
    for code in codes[: agencies // 2]:
        key = f"http:https://www.{code.lower()}.gov.vn/"
        WatchMonitor.objects.create(key=key, kind="http", target=key[5:], agency_code=code)
        if rng.random() < 0.2:
            alert = WatchAlert.objects.create(key=key + "@1", problem="down", severity="high",
                                                     monitor_key=key, agency_code=code, opened_at=now, values={})
            WatchAlertMember.objects.create(alert=alert, monitor_key=key, agency_code=code, joined_at=now)
    items = [i.id for i in load_directive(catalog).items if i.kind.value == "answer"]
    ComplianceAnswer.objects.bulk_create(
        ComplianceAnswer(agency_code=code, item=item, answer=rng.choice(["yes", "partly", "no"]),
                         review=rng.choice(["submitted", "approved", "rejected"]), answered_by="bench",
                         answered_at=now)
        for code in codes for item in items if rng.random() < 0.6
    )
    return len(results)


def _store(args: argparse.Namespace, work: Path) -> tuple[list[float], list[float], int, int, int]:
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from canhgac.console.bootstrap import migrate, setup_django

    setup_django(database_url=f"sqlite:///{work / 'store.sqlite3'}", workspace=work)
    migrate()
    stored = _seed(args.agencies)
    from canhgac.console.store.queries import ViewerScope
    from canhgac.reports.forms.config import FormsConfig
    from canhgac.services import compliance
    from canhgac.services import compliance_summary as cs

    everything = ViewerScope.everything()
    compliance.compliance_status(everything, today=TODAY, holiday=HOLIDAY)  # warm-up: catalog, imports
    status_times, summary_times = [], []
    size = 0
    for _ in range(args.runs):
        start = time.perf_counter()
        result = compliance.compliance_status(everything, today=TODAY, holiday=HOLIDAY)
        status_times.append(time.perf_counter() - start)
    config = FormsConfig()
    late = 0
    for n in range(args.runs):
        start = time.perf_counter()
        result = compliance.compliance_status(everything, today=TODAY, holiday=HOLIDAY)
        summary = cs.province_summary(everything, result, "vi")
        docx = cs.render_docx(summary, config)
        (work / f"summary-{n}.docx").write_bytes(docx)
        (work / f"summary-{n}.html").write_text(cs.render_html(summary, config), encoding="utf-8")
        summary_times.append(time.perf_counter() - start)
        size, late = len(docx), summary.late_total
    return status_times, summary_times, stored, size, late


def _s(values: list[float]) -> str:
    return f"{statistics.median(values):.2f}"


def run(args: argparse.Namespace, work: Path) -> int:
    pure, cells = _pure(args)
    print(f"pure: {cells} cells, median {_s(pure)} s", flush=True)
    status_t, summary_t, stored, size, late = _store(args, work)
    print(f"store: status median {_s(status_t)} s; summary median {_s(summary_t)} s", flush=True)
    ok = max(pure) <= STATUS_LIMIT_S and max(status_t) <= STATUS_LIMIT_S and max(summary_t) <= SUMMARY_LIMIT_S
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    body = "\n".join(
        [
            "## Directive compliance: status per agency × item, and the province summary",
            "",
            report_md.machine_line() + f", docxtpl {version('docxtpl')}, load average {load}.",
            "",
            report_md.command_line("compliance", agencies=args.agencies, items=args.items, runs=args.runs),
            "",
            "Targets (issue 15): clause status for 300 agencies × 100 clauses recomputed ≤ 5 s; the "
            "province summary for 300 agencies ≤ 30 s. Seconds of wall time over "
            f"{args.runs} runs, in one process after a warm-up.",
            "",
            *report_md.header("what", "size", "median (s)", "max (s)", "target (s)"),
            report_md.row("status computation alone (`compliance.compute`, pure)",
                          f"{args.agencies} agencies × {args.items} items = {cells} cells",
                          _s(pure), f"{max(pure):.2f}", STATUS_LIMIT_S),
            report_md.row("status from the store (`compliance_status`: results read and graded, "
                          "watch and answers read, computed)",
                          f"{args.agencies} agencies, {stored} current results",
                          _s(status_t), f"{max(status_t):.2f}", STATUS_LIMIT_S),
            report_md.row("province summary (status + summary + DOCX + HTML written)",
                          f"{args.agencies} agencies, {late} late items, DOCX {size // 1024} KB",
                          _s(summary_t), f"{max(summary_t):.2f}", SUMMARY_LIMIT_S),
            "",
            "Within the targets." if ok else "**Outside a target** (see the max column).",
        ]
    )
    report_md.write_section(args.out, "compliance", body)
    return 0 if ok else 1
