"""What produced a run's verdicts: canhgac, catalog and reference-data versions."""

from __future__ import annotations

from importlib import metadata

from canhgac import __version__
from canhgac.catalog import Catalog
from canhgac.engine.psl import PublicSuffixes
from canhgac.engine.results import Provenance
from canhgac.engine.vulns.bundled import bundled_version


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:  # pragma: no cover
        return "unknown"


def current_provenance(catalog: Catalog) -> Provenance:
    return Provenance(
        canhgac_version=__version__,
        catalog_version=catalog.version,
        reference_data={
            "public_suffix_list": PublicSuffixes.version(),
            "dnspython": _version("dnspython"),
            "cryptography": _version("cryptography"),
            "sslyze": _version("sslyze"),
            "vulnerability_data_bundled": bundled_version(),
        },
    )
