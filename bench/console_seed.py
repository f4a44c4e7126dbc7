"""The console benchmark's store: a province of 300 agencies scanned ten times, about 50,000
findings, four users and their API tokens. Run in a child process per backend
(``python -m bench.console_seed --workspace W [--database-url URL]``): Django is set up once per
process. Prints one JSON object (what the load needs: users, tokens, paths) on its last line.

Everything is written through the store's own functions: ``services.sync_agencies``,
``start_run``/``record_results``/``finish_run`` (results, reconciliation, the event outbox),
``services.triage`` (with its audit rows), ``accounts.create_account`` and
``api_tokens.issue_token``. The only direct write dates the ten runs a week apart afterwards
(``ScanRun.started_at``/``finished_at``), which the store has no function for.

The scans: run 1 scans every agency; runs 2-10 each rescan one eighth of them in turn (a
district's round; run 10 is the first eighth's second round). Each (check, target) pair has a hidden state that each scan reads: failing
at first with the check's own probability, then fixed or broken again from scan to scan, so
findings are new, open (seen again), fixed and reopened.
"""

from __future__ import annotations

import argparse
import json
import random
import secrets
import string
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

SEED = 13
RUNS = 10
ROUNDS = 8  # runs 2..10 each rescan one of this many slices of the agencies, in turn
FIX_RATE = 0.08  # a failing pair found fixed at a scan
BREAK_RATE = 0.03  # a passing pair found failing (new, or reopened) at a scan
ERROR_RATE = 0.01  # a scan that could not judge the pair (an error result)
TRIAGED = 0.01  # findings given a triage decision after the last run
PROVINCE = {"code": "BENCH", "name": "Tỉnh Thử Tải"}
USERS = (("bench-admin", "csirt-admin"), ("bench-analyst", "csirt-analyst"),
         ("bench-officer", "agency-officer"), ("bench-leader", "leader"))


@dataclass(frozen=True, slots=True)
class Unit:
    code: str
    name: str
    kind: str
    parent: str | None
    size: int  # targets of each kind: 1 (commune) .. 4 (department)


def province_tree() -> list[Unit]:
    """300 agencies: the province's people's committee, 24 departments with 131 units under
    them, 12 districts with 11 communes each."""
    units = [Unit("UBND", "Ủy ban nhân dân tỉnh", "people_committee", None, 3)]
    for d in range(1, 25):
        units.append(Unit(f"SO{d:02}", f"Sở số {d}", "department", "UBND", 4))
    for h in range(1, 13):
        units.append(Unit(f"H{h:02}", f"Huyện số {h}", "district", "UBND", 3))
        units += [Unit(f"H{h:02}X{x:02}", f"Xã {x} huyện {h}", "commune", f"H{h:02}", 2) for x in range(1, 12)]
    for i in range(300 - len(units)):
        d = i % 24 + 1
        units.append(Unit(f"SO{d:02}D{i // 24 + 1:02}", f"Đơn vị {i // 24 + 1} của Sở {d}", "unit", f"SO{d:02}", 3))
    return units


def _slug(code: str) -> str:
    return code.lower()


def declared(unit: Unit) -> dict[str, Any]:
    """The inventory entry of a unit: ``size`` domains, portals and mail hosts."""
    base = f"{_slug(unit.code)}.bench.gov.test"
    names = [base, *(f"{p}.{base}" for p in ("dichvucong", "vanban", "egov")[: unit.size - 1])]
    return {"code": unit.code, "name": unit.name, "kind": unit.kind, "parent": unit.parent,
            "domains": names, "urls": [f"https://{n}/" for n in names],
            "mail_hosts": [f"mail{i}.{base}" for i in range(1, max(2, unit.size // 2 + 1))]}


def targets(unit: Unit, index: int) -> list[Any]:
    from canhgac.engine.targets import Target, TargetKind

    entry = declared(unit)
    found = [Target(kind=TargetKind.DOMAIN, name=n, agency=unit.code) for n in entry["domains"]]
    found += [Target(kind=TargetKind.URL, name=u, agency=unit.code) for u in entry["urls"]]
    found += [Target(kind=TargetKind.MAIL_HOST, name=m, agency=unit.code) for m in entry["mail_hosts"]]
    found += [Target(kind=TargetKind.HOST, name=f"198.18.{index}.{h}", agency=unit.code)
              for h in range(1, unit.size + 1)]
    return found


def _placeholders(text: str) -> dict[str, str]:
    return {name: f"{name}-value" for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


class Province:
    """The pairs (check, target) of every unit, their hidden states and the results of a scan."""

    def __init__(self, catalog: Any, rng: random.Random) -> None:
        self.rng = rng
        self.units = province_tree()
        by_kind: dict[str, list[Any]] = {}
        for entry in catalog.checks.values():
            if entry.mode.value == "automated" and entry.messages:
                by_kind.setdefault(entry.target, []).append(entry)
        self.pairs: dict[str, list[tuple[Any, Any]]] = {}
        self.failing: dict[tuple[str, str], bool] = {}
        self.odds = {e.id: rng.uniform(0.35, 0.85) for es in by_kind.values() for e in es}
        self.messages: dict[str, tuple[tuple[str, dict[str, str]], tuple[str, dict[str, str]]]] = {}
        for entries in by_kind.values():
            for e in entries:
                keys = list(e.messages)
                ok, bad = keys[0], keys[1] if len(keys) > 1 else keys[0]
                self.messages[e.id] = ((ok, _placeholders(e.messages[ok].en)),
                                       (bad, _placeholders(e.messages[bad].en)))
        for index, unit in enumerate(self.units):
            self.pairs[unit.code] = [(e, t) for t in targets(unit, index) for e in by_kind.get(t.kind.value, [])]

    def scan(self, codes: list[str], observed_at: datetime) -> list[Any]:
        from canhgac.engine.results import CheckResult, ErrorReason, Message, Status

        results = []
        for code in codes:
            for entry, target in self.pairs[code]:
                key = (entry.id, target.key)
                was = self.failing.get(key)
                if was is None:
                    now = self.rng.random() < self.odds[entry.id]
                else:
                    now = (self.rng.random() >= FIX_RATE) if was else (self.rng.random() < BREAK_RATE)
                if self.rng.random() < ERROR_RATE:
                    results.append(CheckResult(
                        check_id=entry.id, target=target, status=Status.ERROR,
                        message=Message(key="error", values={"detail": "timed out"}),
                        error_reason=ErrorReason.TIMEOUT, observed_at=observed_at))
                    continue
                self.failing[key] = now
                (message, values) = self.messages[entry.id][1 if now else 0]
                evidence = {"observed": f"{entry.id} on {target.name}", "records": [f"v=bench {code}"],
                            "severity": entry.severity.value}
                results.append(CheckResult(
                    check_id=entry.id, target=target, status=Status.FAIL if now else Status.PASS,
                    message=Message(key=message, values=values), evidence=evidence,
                    observed_at=observed_at, duration_ms=self.rng.uniform(5, 400)))
        return results


def _gather_statistics() -> None:
    """What the database's own maintenance does soon after a bulk load (PostgreSQL's autovacuum,
    an administrator's ANALYZE on SQLite): the planner's statistics and, on PostgreSQL, the
    visibility map that index-only scans read. Without it the first minutes after seeding are
    measured with a planner that has never seen the tables."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def seed(out: dict[str, Any], agencies: int = 300, runs: int = RUNS) -> None:
    from django.db.models import Count

    from canhgac.catalog import load_catalog
    from canhgac.console.store import accounts, api_tokens, services
    from canhgac.console.store.models import Finding, Result, RunStatus, ScanRun, Triage
    from canhgac.console.store.roles import Role
    from canhgac.engine.results import Provenance

    rng = random.Random(SEED)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    province = Province(load_catalog(), rng)
    units = province.units[:agencies]  # parents come before their children: a prefix is a tree
    services.sync_agencies([declared(u) for u in units])
    timings["agencies"] = time.perf_counter() - start
    codes = [u.code for u in units]
    rounds = [codes[i::ROUNDS] for i in range(ROUNDS)]
    provenance = Provenance(canhgac_version="bench", catalog_version="bench")
    base = datetime.now(UTC) - timedelta(weeks=runs)
    run_ids = []
    for number in range(1, runs + 1):
        chosen = codes if number == 1 else rounds[(number - 2) % ROUNDS]
        t0 = time.perf_counter()
        results = province.scan(chosen, base + timedelta(weeks=number - 1))
        filters = services.RunFilters(agencies=() if chosen is codes else tuple(chosen),
                                      extra={"province": PROVINCE})
        run = services.start_run(provenance=provenance, filters=filters, target_count=len(chosen))
        t1 = time.perf_counter()
        services.record_results(run, results)
        t2 = time.perf_counter()
        services.finish_run(run, RunStatus.FINISHED)
        t3 = time.perf_counter()
        run_ids.append(run.pk)
        timings[f"run {number} build"] = t1 - t0
        timings[f"run {number} record_results"] = t2 - t1
        timings[f"run {number} finish_run"] = t3 - t2
        print(f"run {number}: {len(results)} results, record {t2 - t1:.1f} s, finish {t3 - t2:.1f} s",
              file=sys.stderr, flush=True)
    for i, run_id in enumerate(run_ids):  # a week apart, in order
        started = base + timedelta(weeks=i)
        ScanRun.objects.filter(pk=run_id).update(started_at=started, finished_at=started + timedelta(hours=2))
    t0 = time.perf_counter()
    every = list(Finding.objects.order_by("fingerprint").values_list("fingerprint", flat=True))
    triaged = rng.sample(every, int(len(every) * TRIAGED))
    today = datetime.now(UTC).date()
    for n, fingerprint in enumerate(triaged):
        kind = n % 4
        if kind == 0 or kind == 1:
            services.triage(fingerprint, triage=Triage.CONFIRMED, actor="bench-analyst", assignee=f"staff{n % 9}")
        elif kind == 2:
            until = today + timedelta(days=rng.choice((-30, 30, 180)))
            services.triage(fingerprint, triage=Triage.ACCEPTED_RISK, actor="bench-analyst",
                            note="compensating control", accepted_until=until)
        else:
            services.triage(fingerprint, triage=Triage.FALSE_POSITIVE, actor="bench-analyst",
                            note="the portal is a static mirror")
    timings["triage"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    officer_agency = "SO07"
    users = []
    for name, role in USERS:
        password = secrets.token_urlsafe(18)
        accounts.create_account(name, password, Role(role), [officer_agency] if role == "agency-officer" else [],
                                actor="bench")
        token = api_tokens.issue_token(name, "bench", actor="bench").plaintext
        users.append({"name": name, "role": role, "password": password, "token": token})
    timings["users"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    _gather_statistics()
    timings["statistics"] = time.perf_counter() - t0
    timings["total"] = time.perf_counter() - start
    lifecycles = dict(Finding.objects.values_list("lifecycle").annotate(n=Count("id")).order_by())
    triage = dict(Finding.objects.values_list("triage").annotate(n=Count("id")).order_by())
    own = list(Finding.objects.filter(agency_code=officer_agency, lifecycle__in=("new", "open", "reopened"))
               .order_by("fingerprint").values_list("fingerprint", flat=True))
    out.update(
        agencies=len(units), runs=len(run_ids), results=Result.objects.count(), findings=len(every),
        lifecycles=lifecycles, triage=triage, users=users, officer_agency=officer_agency,
        sample_findings=rng.sample(every, 50), officer_findings=own[:: max(1, len(own) // 50)][:50],
        timings=timings,
    )


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.console_seed")
    ap.add_argument("--workspace", type=Path, required=True)
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--agencies", type=int, default=300, help="a smaller province: its first N units")
    ap.add_argument("--runs", type=int, default=RUNS, help="fewer runs (run 1 scans every agency)")
    args = ap.parse_args(argv)
    from canhgac.services.store import open_store

    open_store(args.database_url, args.workspace)
    out: dict[str, Any] = {}
    seed(out, args.agencies, args.runs)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
