"""The catalog's schema: one generic shape for checks, one for framework clauses.

Text lives here in both languages (``vi`` and ``en``); checks only emit message keys.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from canhgac.catalog.families import FAMILY_PATTERN
from canhgac.i18n import N_, translate


class Severity(StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)

    def label(self, lang: str | None = None) -> str:
        """The severity as a reader says it (``Cao``/``High``), in ``lang`` or the current
        language; JSON and CSV keep the raw value."""
        return translate(_SEVERITY_LABELS[self], lang)


_SEVERITY_LABELS = {
    Severity.INFO: N_("Info"),
    Severity.LOW: N_("Low"),
    Severity.MEDIUM: N_("Medium"),
    Severity.HIGH: N_("High"),
    Severity.CRITICAL: N_("Critical"),
}


class Mode(StrEnum):
    AUTOMATED = "automated"  # code implements it
    SELF_ASSESSMENT = "self_assessment"  # a question the agency answers, with evidence
    WORKFLOW = "workflow"  # tracked in the platform (later capabilities)
    DETECTION = "detection"  # raised by a log detection rule (canhgac.logs), not run on a target


class Coverage(StrEnum):
    AUTOMATED = "automated"
    PARTIAL = "partial"
    SELF_ASSESSMENT = "self_assessment"


class Text(BaseModel):
    """A user-facing text in Vietnamese and English."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    vi: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.vi


class Reference(BaseModel):
    """A standard behind a check: an RFC section, an OWASP test, a vendor bulletin.

    Framework clauses are not references: a framework's clause lists the checks that evidence
    it, and the loader derives each check's clauses from those lists (one source of truth).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    doc: str  # a standard (RFC7208, OWASP-WSTG, ...), never a framework of the catalog
    clause: str = ""
    url: str = ""


class CheckEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9]+(\.[a-z0-9-]+)+$")
    family: str = Field(pattern=FAMILY_PATTERN)  # see catalog/families.py
    severity: Severity
    mode: Mode = Mode.AUTOMATED
    target: str = "domain"
    title: Text
    rationale: Text
    remediation: Text
    references: tuple[Reference, ...] = ()
    # message key -> text with {placeholders}; "error" is provided by the loader
    messages: dict[str, Text] = Field(default_factory=dict)
    # for self-assessment entries: the question put to the agency, and the evidence expected
    question: Text | None = None
    evidence_expected: Text | None = None

    @field_validator("messages")
    @classmethod
    def _keys(cls, value: dict[str, Text]) -> dict[str, Text]:
        for key in value:
            if not key.replace("_", "").replace("-", "").replace(".", "").isalnum():
                raise ValueError(f"message key {key!r}: letters, digits, '.', '-', '_' only")
        return value


class Clause(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    title: Text
    text: Text  # a paraphrase of the requirement
    inferred: bool = False  # True: reconstructed, the official text was not available
    confirmed_by: str = ""  # who confirmed an inferred clause against the official text
    coverage: Coverage
    checks: tuple[str, ...] = ()


class Framework(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    title: Text
    source: str  # document number, date, issuer
    note: Text | None = None
    clauses: tuple[Clause, ...]


class CatalogFile(BaseModel):
    """One YAML file of check entries."""

    model_config = ConfigDict(extra="forbid")

    checks: list[CheckEntry]


class LogRuleText(BaseModel):
    """What the catalog reads of a log detection rule (``canhgac/logs/rules/*.yaml``): its id,
    severity, texts and references. The detector reads and validates the whole rule
    (``canhgac.logs.rule_schema``); a contract test holds the two readings to the same ids."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str = Field(pattern=r"^logs\.[a-z0-9-]+\.[a-z0-9-]+$")
    severity: Severity
    title: Text
    description: Text
    remediation: Text
    message: Text
    references: tuple[Reference, ...] = ()


class LogRuleFile(BaseModel):
    model_config = ConfigDict(extra="ignore")

    rules: list[LogRuleText] = Field(min_length=1)
