"""Organisational domains (RFC 7489 3.2) from the bundled public-suffix list.

The inventory may add suffixes that play the role of ``gov.vn`` (test zones, or suffixes the
bundled list lacks).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import metadata

from publicsuffixlist import PublicSuffixList


@dataclass(frozen=True)
class PublicSuffixes:
    extra: tuple[str, ...] = ()
    _psl: PublicSuffixList = field(default_factory=PublicSuffixList, repr=False, compare=False)

    def organizational_domain(self, domain: str) -> str:
        """The registrable domain, e.g. ``stttt.kiengiang.gov.vn`` -> ``kiengiang.gov.vn``."""
        name = domain.strip().rstrip(".").lower()
        best_extra = max(
            (s for s in self.extra if name == s or name.endswith("." + s)), key=len, default=None
        )
        if best_extra is not None:
            if name == best_extra:
                return name
            label = name[: -len(best_extra) - 1].rsplit(".", 1)[-1]
            return f"{label}.{best_extra}"
        org = self._psl.privatesuffix(name)
        return org if org else name

    def is_public_suffix(self, domain: str) -> bool:
        name = domain.strip().rstrip(".").lower()
        return name in self.extra or self._psl.is_public(name)

    @staticmethod
    def version() -> str:
        """Version of the bundled list, recorded in every run's provenance."""
        try:
            return "publicsuffixlist " + metadata.version("publicsuffixlist")
        except metadata.PackageNotFoundError:  # pragma: no cover
            return "publicsuffixlist unknown"
