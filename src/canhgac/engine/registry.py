"""Check and collector registration: explicit, loud on mistakes, no import-time globals.

A check module declares its checks with :func:`check`, which only attaches a spec to the
function. :func:`build_registry` gathers the specs of the modules it is given and fails
loudly on duplicates or on a fact type with no collector. A check's family is the module it
lives in (``engine/checks/mail_tls.py`` holds family ``mail.tls``; see catalog/families.py),
and selection refuses unknown families and check ids with suggestions.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

from canhgac.catalog.families import UnknownNameError as UnknownNameError  # raised by select
from canhgac.catalog.families import family_of_module, resolve_families, resolve_ids
from canhgac.engine.params import CheckParams
from canhgac.engine.results import Outcome
from canhgac.engine.targets import Target, TargetKind

if TYPE_CHECKING:
    from canhgac.engine.context import CollectContext

CheckFunc = Callable[..., Outcome]
CollectFunc = Callable[[Target, "CollectContext"], Awaitable[Any]]
F = TypeVar("F", bound=Callable[..., Any])

_SPEC_ATTR = "__canhgac_check__"
_COLLECTOR_ATTR = "__canhgac_collector__"


@dataclass(frozen=True)
class CheckSpec:
    """A check: its id (also its catalog key), the target kind, the facts it needs, its family
    (the module that declares it; set by :func:`build_registry`)."""

    id: str
    target_kind: TargetKind
    needs: tuple[type[Any], ...]
    func: CheckFunc
    family: str = ""

    def evaluate(self, facts: tuple[Any, ...], params: CheckParams) -> Outcome:
        return self.func(*facts, params)


@dataclass(frozen=True)
class CollectorSpec:
    fact_type: type[Any]
    target_kind: TargetKind
    func: CollectFunc


def check(
    check_id: str, *, target: TargetKind, needs: type[Any] | tuple[type[Any], ...]
) -> Callable[[F], F]:
    """Declare a check. The function takes the needed facts, in order, then ``CheckParams``."""
    needed = needs if isinstance(needs, tuple) else (needs,)

    def mark(func: F) -> F:
        setattr(func, _SPEC_ATTR, CheckSpec(check_id, target, needed, func))
        return func

    return mark


def collector(fact_type: type[Any], *, target: TargetKind) -> Callable[[F], F]:
    """Declare the collector that produces ``fact_type`` for targets of one kind."""

    def mark(func: F) -> F:
        setattr(func, _COLLECTOR_ATTR, CollectorSpec(fact_type, target, func))
        return func

    return mark


class RegistryError(Exception):
    """A programming mistake in check or collector declarations."""


@dataclass(frozen=True)
class Registry:
    checks: Mapping[str, CheckSpec]
    collectors: Mapping[type[Any], CollectorSpec] = field(default_factory=dict)

    def for_kind(self, kind: TargetKind) -> list[CheckSpec]:
        return [c for c in self.checks.values() if c.target_kind is kind]

    def families(self) -> set[str]:
        return {spec.family for spec in self.checks.values()}

    def select(self, *, families: Iterable[str] = (), ids: Iterable[str] = ()) -> Registry:
        """A registry narrowed to families (``net`` takes every ``net.*`` family) and/or ids.

        Raises :class:`UnknownNameError` (a ``ValueError`` whose message suggests the closest
        known names) for a family or a check id that selects nothing.
        """
        names = tuple(families)
        chosen = resolve_families(names, self.family_of()) if names else None
        wanted = resolve_ids(ids, self.checks)
        kept = {
            cid: spec
            for cid, spec in self.checks.items()
            if (chosen is None or spec.family in chosen) and (not wanted or cid in wanted)
        }
        return Registry(kept, self.collectors)

    def family_of(self) -> dict[str, str]:
        """Check id → family."""
        return {cid: spec.family for cid, spec in self.checks.items()}


def build_registry(modules: Iterable[ModuleType]) -> Registry:
    checks: dict[str, CheckSpec] = {}
    collectors: dict[type[Any], CollectorSpec] = {}
    for module in modules:
        family = family_of_module(module.__name__)
        for value in vars(module).values():
            spec = getattr(value, _SPEC_ATTR, None)
            if isinstance(spec, CheckSpec):
                known_check = checks.get(spec.id)
                if known_check is not None and known_check.func is not spec.func:
                    raise RegistryError(f"check id {spec.id!r} declared twice")
                if known_check is not None and known_check.family != family:
                    raise RegistryError(
                        f"check {spec.id} is in modules of families {known_check.family} and "
                        f"{family}: a check lives in its family's module only"
                    )
                checks[spec.id] = replace(spec, family=family)
            cspec = getattr(value, _COLLECTOR_ATTR, None)
            if isinstance(cspec, CollectorSpec):
                known = collectors.get(cspec.fact_type)
                if known is not None and known.func is not cspec.func:
                    raise RegistryError(f"two collectors for {cspec.fact_type.__name__}")
                collectors[cspec.fact_type] = cspec
    for spec in checks.values():
        for need in spec.needs:
            cspec = collectors.get(need)
            if cspec is None:
                raise RegistryError(f"check {spec.id}: no collector for {need.__name__}")
            if cspec.target_kind is not spec.target_kind:
                raise RegistryError(
                    f"check {spec.id} on {spec.target_kind} needs {need.__name__}, "
                    f"collected for {cspec.target_kind}"
                )
    return Registry(checks, collectors)
