"""The Traffic Light Protocol 2.0 (FIRST, 2022): the five levels, who in the console may see a
pack of each, and how a level is written in STIX 2.1 and MISP.

STIX: stix2 3.0.2 ships only the TLP 1.0 marking definitions (``TLP_WHITE`` ... ``TLP_RED``, with
``definition_type = "tlp"``). TLP 2.0 is written with the OASIS CTI TC's official marking
definitions, which use the TLP 2.0 property extension
``extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d`` (``tlp_2_0``), created
2022-10-01 by the OASIS identity ``identity--b3bca3c2-1f3d-4b54-b44f-dac42c3a8f01``; their ids
are below. On import, both the TLP 2.0 ids and stix2's TLP 1.0 ids (WHITE read as CLEAR) are
recognised. MISP: the ``tlp:`` taxonomy tags (``tlp:clear``, ``tlp:amber+strict``; ``tlp:white``
read as CLEAR).

Who sees a pack (``visible``): RED and AMBER+STRICT are for the CSIRT's own staff (the roles
``csirt-admin`` and ``csirt-analyst``); CLEAR, GREEN and AMBER may also be read by the
province's leaders and agencies' officers, the CSIRT's constituents (AMBER: "the recipient's
organisation and its clients").
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
OASIS_IDENTITY = "identity--b3bca3c2-1f3d-4b54-b44f-dac42c3a8f01"
CREATED = "2022-10-01T00:00:00.000Z"


class Tlp(StrEnum):
    CLEAR = "clear"
    GREEN = "green"
    AMBER = "amber"
    AMBER_STRICT = "amber+strict"
    RED = "red"

    @property
    def rank(self) -> int:
        return list(Tlp).index(self)

    @property
    def restricted(self) -> bool:
        """Seen by the CSIRT's staff only."""
        return self in (Tlp.AMBER_STRICT, Tlp.RED)

    @property
    def label(self) -> str:
        return f"TLP:{self.value.upper()}"

    @property
    def stix_id(self) -> str:
        return STIX_IDS[self]

    @property
    def misp_tag(self) -> str:
        return f"tlp:{self.value}"

    @classmethod
    def parse(cls, text: str) -> Tlp:
        """``amber``, ``TLP:AMBER+STRICT``, ``amber-strict``, ``white`` (TLP 1.0, read as CLEAR);
        ValueError otherwise."""
        name = text.strip().lower().removeprefix("tlp:").replace("-", "+").replace("_", "+")
        name = name.replace(" ", "")
        return cls.CLEAR if name == "white" else cls(name)


def strictest(levels: list[Tlp]) -> Tlp | None:
    return max(levels, key=lambda t: t.rank) if levels else None


def visible(level: Tlp | str, *, csirt: bool) -> bool:
    """Whether a viewer may see a pack of ``level``: the CSIRT's staff see all, others not the
    restricted levels (an unknown level counts as restricted)."""
    try:
        return csirt or not Tlp(level).restricted
    except ValueError:
        return csirt


def levels_visible(*, csirt: bool) -> tuple[str, ...]:
    return tuple(t.value for t in Tlp if visible(t, csirt=csirt))


STIX_IDS = {
    Tlp.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    Tlp.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    Tlp.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    Tlp.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    Tlp.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
# stix2's TLP 1.0 definitions (stix2.v21.TLP_WHITE ... TLP_RED), read on import
_STIX_1 = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": Tlp.CLEAR,
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": Tlp.GREEN,
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": Tlp.AMBER,
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": Tlp.RED,
}
_BY_ID = {v: k for k, v in STIX_IDS.items()} | _STIX_1


def stix_marking(level: Tlp) -> dict[str, Any]:
    """The official TLP 2.0 marking definition of ``level`` (a STIX 2.1 object)."""
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": level.stix_id,
        "created_by_ref": OASIS_IDENTITY,
        "created": CREATED,
        "name": level.label,
        "extensions": {EXTENSION: {"extension_type": "property-extension", "tlp_2_0": level.value}},
    }


def from_stix_marking(obj: dict[str, Any]) -> Tlp | None:
    """The level a marking-definition object states: a known id, the TLP 2.0 extension, or a
    TLP 1.0 ``definition``; None when it is not a TLP marking."""
    known = _BY_ID.get(str(obj.get("id", "")))
    if known is not None:
        return known
    extensions = obj.get("extensions")
    candidates: list[Any] = []
    if isinstance(extensions, dict) and isinstance(extensions.get(EXTENSION), dict):
        candidates.append(extensions[EXTENSION].get("tlp_2_0"))
    definition = obj.get("definition")
    if obj.get("definition_type") == "tlp" and isinstance(definition, dict):
        candidates.append(definition.get("tlp"))
    for value in candidates:
        if isinstance(value, str):
            try:
                return Tlp.parse(value)
            except ValueError:
                continue
    return None


def from_stix_ref(ref: str) -> Tlp | None:
    return _BY_ID.get(ref)


def from_misp_tag(name: str) -> Tlp | None:
    if not name.lower().startswith("tlp:"):
        return None
    try:
        return Tlp.parse(name)
    except ValueError:
        return None
