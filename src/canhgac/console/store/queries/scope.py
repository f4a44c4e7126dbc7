"""What a viewer may see: every agency, or a set of agency codes.

Every query takes a scope and filters by it, so limiting an agency officer to their own agency
is decided once, where the viewer is known (the console's login, the CLI's ``--agency``), and
no read can forget it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from django.db.models import Exists, Model, OuterRef, QuerySet

M = TypeVar("M", bound=Model)


@dataclass(frozen=True, slots=True)
class ViewerScope:
    """The agencies a viewer may see; ``codes`` None means all of them."""

    codes: frozenset[str] | None

    @classmethod
    def everything(cls) -> ViewerScope:
        """The CSIRT's view: every agency."""
        return cls(None)

    @classmethod
    def agencies(cls, codes: Iterable[str]) -> ViewerScope:
        """Only these agencies (an officer's own); an empty set sees nothing."""
        return cls(frozenset(codes))

    @property
    def is_everything(self) -> bool:
        return self.codes is None

    def allows(self, code: str) -> bool:
        return self.codes is None or code in self.codes

    def narrowed(self, codes: Iterable[str] | None) -> ViewerScope:
        """This scope limited further to ``codes`` (None: unchanged); never wider than it was."""
        if codes is None:
            return self
        wanted = frozenset(codes)
        return ViewerScope(wanted if self.codes is None else self.codes & wanted)

    def filter(self, rows: QuerySet[M], field: str = "agency_code") -> QuerySet[M]:
        """``rows`` whose ``field`` (an agency code) the scope allows."""
        if self.codes is None:
            return rows
        return rows.filter(**{f"{field}__in": sorted(self.codes)})

    def filter_runs(self, runs: QuerySet[M]) -> QuerySet[M]:
        """Runs with at least one result the scope allows (a run belongs to no one agency)."""
        if self.codes is None:
            return runs
        from canhgac.console.store.models import Result

        seen = Result.objects.filter(run=OuterRef("pk"), agency_code__in=sorted(self.codes))
        return runs.filter(Exists(seen))
