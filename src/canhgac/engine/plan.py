"""The scan plan: a plain value of (target, options, check ids), serialisable to JSON.

A plan names checks by id only; the executor resolves them to check functions through its
registry when it runs the plan. So a plan (or a shard of one) can be written to a file or a
queue and run by a worker elsewhere, and discovery (which needs the network) can be a stage of
the executor whose output is a plan.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict

from canhgac.engine.registry import CheckSpec, Registry
from canhgac.engine.settings import TargetOptions
from canhgac.engine.targets import Target, TargetKind


class PlanError(ValueError):
    """A plan names a check the executing registry does not have."""


class PlanItem(BaseModel):
    """One target, its options and the ids of the checks to run on it."""

    model_config = ConfigDict(frozen=True)

    target: Target
    checks: tuple[str, ...]
    options: TargetOptions = TargetOptions()

    def specs(self, registry: Registry) -> tuple[CheckSpec, ...]:
        """The checks resolved through ``registry``; :class:`PlanError` for an unknown id."""
        missing = [c for c in self.checks if c not in registry.checks]
        if missing:
            raise PlanError(f"{self.target.key}: unknown check(s) {', '.join(missing)}")
        return tuple(registry.checks[c] for c in self.checks)


class ScanPlan(BaseModel):
    """What a run does: every target with its options and checks. JSON in, JSON out."""

    model_config = ConfigDict(frozen=True)

    items: tuple[PlanItem, ...] = ()

    @classmethod
    def build(
        cls,
        registry: Registry,
        targets: Iterable[Target],
        options: Mapping[str, TargetOptions] | None = None,
    ) -> ScanPlan:
        """Each target with the registry's checks of its kind (targets with none are left out)
        and its options from ``options`` (by target key; defaults otherwise)."""
        options = options or {}
        items = []
        for target in targets:
            checks = tuple(spec.id for spec in registry.for_kind(target.kind))
            if checks:
                items.append(PlanItem(target=target, checks=checks,
                                      options=options.get(target.key, TargetOptions())))
        return cls(items=tuple(items))

    @property
    def check_count(self) -> int:
        return sum(len(i.checks) for i in self.items)

    def target_options(self) -> dict[str, TargetOptions]:
        """Options by target key (defaults left out): what the collect context gives collectors."""
        return {item.target.key: item.options for item in self.items if item.options != TargetOptions()}

    def only(self, target_keys: Iterable[str]) -> ScanPlan:
        """The plan narrowed to these targets."""
        wanted = set(target_keys)
        return ScanPlan(items=tuple(i for i in self.items if i.target.key in wanted))

    def shards(self, size: int) -> list[ScanPlan]:
        """Split into plans of at most ``size`` targets (for distributed executors)."""
        return [ScanPlan(items=self.items[i : i + size]) for i in range(0, len(self.items), size)]

    def host_shards(self, size: int) -> list[ScanPlan]:
        """Split into plans of about ``size`` targets, every target of one host in the same plan
        (:func:`host_of`), so that workers running shards side by side never scan one server
        from two shards at once: a host's politeness (per-host concurrency, the DNS client's
        limit) stays inside one executor. A host with more than ``size`` targets is one plan of
        its own. Deterministic: the same plan gives the same shards, in order of first target."""
        if size < 1:
            raise ValueError("a shard holds at least one target")
        groups: dict[str, list[PlanItem]] = {}
        for item in self.items:
            groups.setdefault(host_of(item.target), []).append(item)
        shards: list[ScanPlan] = []
        current: list[PlanItem] = []
        for group in groups.values():
            if current and len(current) + len(group) > size:
                shards.append(ScanPlan(items=tuple(current)))
                current = []
            current.extend(group)
        if current:
            shards.append(ScanPlan(items=tuple(current)))
        return shards


def host_of(target: Target) -> str:
    """The server a target's checks contact: a URL's host name, a service's host, otherwise
    the target's name (a domain, a mail host, an address), lower-cased."""
    if target.kind is TargetKind.URL:
        return (urlsplit(target.name).hostname or target.name).lower()
    return target.name.lower().rstrip(".")
