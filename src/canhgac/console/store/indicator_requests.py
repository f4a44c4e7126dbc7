"""What a read or write of the indicator packs takes and how it is refused: plain values without
Django's models, so the front ends build them before the store is open
(``indicator_queries`` reads and ``indicator_store`` writes with them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from canhgac.console.store.errors import StoreError
from canhgac.console.store.roles import Role, works_for_csirt
from canhgac.indicators.tlp import levels_visible

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from canhgac.console.store.indicator_models import IndicatorPack


class PackError(StoreError, ValueError):
    """An import refused as asked, in a sentence."""


@dataclass(frozen=True, slots=True)
class PackAudience:
    """Who reads: the CSIRT's staff (``csirt``) or anyone else of the console; the TLP rule is
    ``canhgac.indicators.tlp.visible``."""

    csirt: bool

    @classmethod
    def of_role(cls, role: Role) -> PackAudience:
        return cls(works_for_csirt(role))

    def filter(self, rows: QuerySet[IndicatorPack]) -> QuerySet[IndicatorPack]:
        """``rows`` of the levels this audience may see."""
        return rows.filter(tlp__in=levels_visible(csirt=self.csirt))
