"""The incident types of form 05 (Circular 20/2017/TT-BTTTT, Annex I: the half-year and annual
summary to the national coordinator), in the form's row order. An incident is classified with
one of them; the summary counts incidents per row.

Data, not logic: a newer form changes this table only. Codes are stable (stored); labels are
translatable (Vietnamese by default, the form's own wording).
"""

from __future__ import annotations

from dataclasses import dataclass

from canhgac.i18n import N_, translate


@dataclass(frozen=True, slots=True)
class Category:
    code: str
    row: int  # the row of form 05's table 1
    label_msgid: str

    def label(self, lang: str | None = None) -> str:
        return translate(self.label_msgid, lang)


CATEGORIES: tuple[Category, ...] = (
    Category("denial_of_service", 1, N_("Denial of service")),
    Category("spoofing", 2, N_("Spoofing or phishing attack")),
    Category("malware", 3, N_("Malware attack")),
    Category("unauthorised_access", 4, N_("Unauthorised access or takeover")),
    Category("defacement", 5, N_("Defacement")),
    Category("encryption", 6, N_("Encryption of software, data or devices (ransomware)")),
    Category("destruction", 7, N_("Destruction of information, data or software")),
    Category("theft", 8, N_("Eavesdropping, espionage, theft of information or data")),
    Category("combined", 9, N_("Combined attack")),
    Category("other", 10, N_("Other kinds of attack")),
)
BY_CODE = {c.code: c for c in CATEGORIES}
UNCLASSIFIED = ""


def category(code: str) -> Category:
    """The type of that code (``-`` read as ``_``); ValueError when there is none."""
    found = BY_CODE.get(code.strip().lower().replace("-", "_"))
    if found is None:
        raise ValueError(code)
    return found
