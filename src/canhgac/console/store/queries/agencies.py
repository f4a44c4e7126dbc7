"""Reads of the inventory mirror: agencies and the assets they declare."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from canhgac.console.store.models import Agency, Asset
from canhgac.console.store.queries.scope import ViewerScope


def agencies(scope: ViewerScope, codes: Iterable[str] | None = None) -> QuerySet[Agency]:
    """Agencies (of ``codes``, or all), with their parent, by code."""
    rows = scope.filter(Agency.objects.all(), "code")
    if codes is not None:
        rows = rows.filter(code__in=list(codes))
    return rows.select_related("parent").order_by("code")


def agency_names(scope: ViewerScope) -> dict[str, str]:
    """Each agency's name by its code (of every agency the scope allows, listed or not): what a
    list of findings shows beside a code, read without loading the agencies."""
    return dict(scope.filter(Agency.objects.all(), "code").values_list("code", "name"))


def active_agency_codes(scope: ViewerScope) -> list[str]:
    """The codes of the agencies the inventory lists today."""
    return list(scope.filter(Agency.objects.filter(active=True), "code").order_by("code")
                .values_list("code", flat=True))


def agency_by_code(scope: ViewerScope, code: str) -> Agency | None:
    return scope.filter(Agency.objects.filter(code=code), "code").first()


def declared_assets(
    scope: ViewerScope, codes: Iterable[str], kinds: Iterable[str]
) -> list[tuple[str, str, str]]:
    """(agency code, kind, value) of what these agencies declare, of these kinds, in order."""
    rows = scope.filter(Asset.objects.filter(agency__code__in=list(codes), kind__in=list(kinds)),
                        "agency__code")
    return list(rows.order_by("agency__code", "kind", "value").values_list("agency__code", "kind", "value"))
