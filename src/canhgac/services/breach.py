"""Breach import and its findings, for the CLI (and later the console's campaign pages).

``import_files`` streams breach files into the store (``creds.breach`` does the reading, the
store's ``StoreSink`` the writing, resumable); ``refresh_findings`` then turns the stored
accounts into facts, runs the ``creds.leak`` checks on them and stores their results as a run,
so findings open, stay open and get fixed through the same reconciliation as a scan's
(docs/credentials.md). Import after the store is configured (``services.store.open_store``).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from canhgac.catalog import load_catalog
from canhgac.creds.breach import (
    BreachMeta,
    Category,
    CategoryListError,
    Checkpoint,
    DomainMatcher,
    SecretKeeper,
    category_of,
    file_identity,
    import_file,
    load_categories,
)
from canhgac.engine.builtin import builtin_registry
from canhgac.engine.facts.creds import AccountExposure, Sighting
from canhgac.engine.params import CheckParams
from canhgac.engine.results import CheckResult
from canhgac.engine.targets import Target, TargetKind
from canhgac.findings.reconcile import ChangeKind
from canhgac.inventory.model import Inventory

if TYPE_CHECKING:
    from canhgac.console.store.leak_queries import LeakedAccountView

FAMILY = "creds.leak"
CATEGORY_FILE = "breach-services.yaml"

__all__ = [
    "CATEGORY_FILE",
    "BreachMeta",
    "CategoryListError",
    "FileResult",
    "LeakRefresh",
    "answer_still_works",
    "categories_for",
    "import_files",
    "leaked_accounts",
    "matcher_for",
    "refresh_findings",
    "stored_inventory",
]


def matcher_for(inventory: Inventory) -> DomainMatcher:
    """Every agency's declared domains and their aliases."""
    owners: dict[str, str] = {}
    for agency in inventory.agencies:
        for domain in agency.domains:
            for name in (domain.name, *domain.aliases):
                owners.setdefault(name, agency.code)
    return DomainMatcher(owners)


def categories_for(config_dir: Path | None) -> dict[str, Category]:
    """The shipped service list, overridden by ``CONFIG_DIR/breach-services.yaml`` when present."""
    return load_categories(config_dir / CATEGORY_FILE if config_dir is not None else None)


def _keeper() -> SecretKeeper:
    from django.conf import settings

    return SecretKeeper(str(settings.SECRET_KEY))


@dataclass(frozen=True, slots=True)
class FileResult:
    path: Path
    checkpoint: Checkpoint
    resumed_from: int  # byte offset it started at (0: from the start)


def import_files(
    paths: Sequence[Path],
    meta: BreachMeta,
    matcher: DomainMatcher,
    progress: Callable[[Path, int, int], None] | None = None,
) -> list[FileResult]:
    """Import each file (resuming an interrupted import of it); OSError for an unreadable file."""
    from canhgac.console.store.leak_store import StoreSink

    sink, keeper = StoreSink(), _keeper()
    results = []
    for path in paths:
        identity, _size = file_identity(path)
        before = sink.checkpoint(identity, meta)
        tick = (lambda done, total, p=path: progress(p, done, total)) if progress else None
        point = import_file(path, matcher, keeper, meta, sink, tick)
        results.append(FileResult(path, point, before.offset if before else 0))
    return results


@dataclass(frozen=True, slots=True)
class LeakRefresh:
    accounts: int
    run_id: int
    opened: int
    fixed: int


def _exposures(today: dt.date, categories: dict[str, Category]) -> list[tuple[Target, AccountExposure]]:
    from canhgac.console.store.leak_queries import leaked_accounts
    from canhgac.console.store.queries import ViewerScope

    found = []
    for view in leaked_accounts(ViewerScope.everything()):
        sightings = tuple(
            Sighting(
                s.breach, s.date, s.service, _category(s.service or s.breach, categories), s.password_leaked
            )
            for s in view.sightings
        )
        fact = AccountExposure(
            view.address,
            today,
            sightings,
            view.still_works,
            view.same_agency_sharing,
            view.other_agencies_sharing,
            view.other_agency_accounts,
        )
        found.append((Target(kind=TargetKind.ACCOUNT, name=view.address, agency=view.agency), fact))
    return found


def _category(service: str, categories: dict[str, Category]) -> str:
    found = category_of(service, categories)
    return found.value if found is not None else ""


def refresh_findings(
    *, today: dt.date, recent_days: int = 365, config_dir: Path | None = None, catalog_dir: Path | None = None
) -> LeakRefresh:
    """Judge every stored leaked account and reconcile the findings (one run, family creds.leak)."""
    from canhgac.console.store import services as store
    from canhgac.services.provenance import current_provenance

    params = CheckParams(creds_recent_days=recent_days)
    specs = builtin_registry().select(families=[FAMILY]).checks.values()
    exposures = _exposures(today, categories_for(config_dir))
    results: list[CheckResult] = []
    for target, fact in exposures:
        for spec in specs:
            started = time.perf_counter()
            outcome = spec.evaluate((fact,), params)
            results.append(
                CheckResult(
                    check_id=spec.id,
                    target=target,
                    status=outcome.status,
                    message=outcome.message,
                    evidence=outcome.evidence,
                    error_reason=outcome.error_reason,
                    discriminator=outcome.discriminator,
                    observed_at=datetime.now(UTC),
                    duration_ms=round((time.perf_counter() - started) * 1000, 3),
                )
            )
    run = store.start_run(
        provenance=current_provenance(load_catalog(catalog_dir)),
        parameters={"source": "creds import", "creds_recent_days": recent_days},
        filters=store.RunFilters(families=(FAMILY,), extra={"source": "creds"}),
        target_count=len(exposures),
    )
    store.record_results(run, results)
    counts = store.finish_run(run).counts()
    opened = counts[ChangeKind.NEW] + counts[ChangeKind.REOPENED]
    return LeakRefresh(len(exposures), int(run.pk), opened, counts[ChangeKind.FIXED])


def stored_inventory() -> Inventory | None:
    """The inventory applied last in the store (the console's or the last scan's), if any."""
    from canhgac.services.inventory_store import current_inventory

    found = current_inventory()
    return found.inventory if found is not None else None


def answer_still_works(agency: str, address: str, works: bool | None) -> int:
    """The agency's answer for a leaked account; how many breach rows it applies to."""
    from canhgac.console.store.leak_store import set_still_works

    return set_still_works(agency, address, works)


def leaked_accounts(agency: str | None = None) -> list[LeakedAccountView]:
    """The leaked accounts (every agency, or one), as the CSIRT's CLI reads them."""
    from canhgac.console.store.leak_queries import leaked_accounts as read
    from canhgac.console.store.queries import ViewerScope

    scope = ViewerScope.everything().narrowed([agency] if agency else None)
    return read(scope)
