"""Reads of the indicator packs, scoped by TLP: every read takes a :class:`PackAudience`, so a
pack marked RED or AMBER+STRICT is never listed, shown or handed to the sweep for anyone but
the CSIRT's staff (``canhgac.indicators.tlp.visible`` holds the rule)."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from canhgac.console.store.indicator_models import IndicatorPack, PackIndicator
from canhgac.console.store.indicator_requests import PackAudience

__all__ = ["PackAudience", "pack", "pack_indicators", "packs", "sweep_indicators"]


def packs(audience: PackAudience) -> list[tuple[IndicatorPack, int]]:
    """The packs the audience may see, by name, each with its number of indicators."""
    rows = audience.filter(IndicatorPack.objects.all()).annotate(size=Count("indicators")).order_by("name")
    return [(row, int(row.size)) for row in rows]  # type: ignore[attr-defined]


def pack(audience: PackAudience, name: str) -> IndicatorPack | None:
    """The pack named ``name`` (or of that id); None when there is none the audience may see."""
    rows = audience.filter(IndicatorPack.objects.all())
    found = rows.filter(name=name).first()
    if found is None and name.isdigit():
        found = rows.filter(pk=int(name)).first()
    return found


def pack_indicators(audience: PackAudience, name: str, *, kind: str | None = None) -> QuerySet[PackIndicator]:
    """The indicators of the pack ``name`` the audience may see (none otherwise), by type and value."""
    rows = PackIndicator.objects.filter(pack__in=audience.filter(IndicatorPack.objects.filter(name=name)))
    if kind:
        rows = rows.filter(kind=kind)
    return rows.order_by("kind", "value")


def sweep_indicators(audience: PackAudience, names: list[str] | None = None) -> QuerySet[PackIndicator]:
    """Every indicator of the visible packs (or of those named), for a sweep bundle: each row
    with its pack, so a hit names the pack it came from."""
    chosen = audience.filter(IndicatorPack.objects.all())
    if names is not None:
        chosen = chosen.filter(name__in=names)
    rows = PackIndicator.objects.filter(pack__in=chosen).select_related("pack")
    return rows.order_by("kind", "value", "pack__name")
