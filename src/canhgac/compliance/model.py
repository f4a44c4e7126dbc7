"""The directive's tasks as data: each task of KG20 with the items an agency must show, how each
item is judged (a framework clause, the watch, a campaign, a sweep, an officer's answer) and when
it is due. Loaded from ``data/KG20-tasks.yaml`` (or a province's copy) and checked against the
catalog, so an item never names a clause or a self-assessment entry that does not exist.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from canhgac.catalog import Catalog
from canhgac.catalog.schema import Mode, Text
from canhgac.i18n import gettext as _
from canhgac.i18n import validation
from canhgac.yamlio import safe_load

PACKAGED = "KG20-tasks.yaml"


class ItemKind(StrEnum):
    CLAUSE = "clause"  # the clause verdict of a framework clause (scans)
    WATCH = "watch"  # the holiday watch: monitors and their open alerts
    CAMPAIGN = "campaign"  # the leaked-credential campaign (issue 16): open findings of its checks
    SWEEP = "sweep"  # the host sweep: computers swept (imported results), no open sweep.host.* hit
    ANSWER = "answer"  # an officer's answer with evidence, approved by the CSIRT


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Item(_Model):
    """One thing an agency must show for a task."""

    id: str = Field(min_length=1, max_length=64, pattern=r"^[0-9]+\.[a-z0-9-]+$")
    kind: ItemKind
    title: Text
    clause: str = ""  # kind clause: "CV430:3"
    check: str = ""  # kind answer: the catalog's self-assessment entry
    checks: tuple[str, ...] = ()  # kind campaign: the automated checks whose open findings keep it undone
    closure: bool = False  # kind campaign: measured by the cases closed (password, sessions, second factor)
    evidence: Literal["required", "optional"] = "optional"  # kind answer: files needed for "yes"
    due_days_before: int = Field(default=0, ge=0, le=365)

    @model_validator(mode="after")
    def _fields_of_kind(self) -> Item:
        if self.kind is ItemKind.CLAUSE and not self.clause:
            raise ValueError(_("a clause item names its clause (clause: CV430:3)"))
        if self.kind is ItemKind.ANSWER and not self.check:
            raise ValueError(_("an answer item names its self-assessment entry (check: ...)"))
        if self.kind is not ItemKind.CLAUSE and self.clause:
            raise ValueError(_("only a clause item names a clause"))
        if self.kind is not ItemKind.ANSWER and self.check:
            raise ValueError(_("only an answer item names a self-assessment entry"))
        if self.kind is not ItemKind.CAMPAIGN and self.checks:
            raise ValueError(_("only a campaign item names checks"))
        if self.kind is not ItemKind.CAMPAIGN and self.closure:
            raise ValueError(_("only a campaign item is measured by closure"))
        return self

    def due(self, holiday: dt.date | None) -> dt.date | None:
        """The day by which the item must be done; None without a holiday date."""
        return None if holiday is None else holiday - dt.timedelta(days=self.due_days_before)


class Task(_Model):
    id: str = Field(min_length=1, max_length=8)
    clause: str  # the directive's clause: "KG20:1"
    title: Text
    responsible: Text  # whom the directive makes responsible for the task
    items: tuple[Item, ...] = Field(min_length=1)


class Directive(_Model):
    version: Literal[1]
    framework: str
    source: str
    tasks: tuple[Task, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Directive:
        seen: set[str] = set()
        for task in self.tasks:
            for item in task.items:
                if item.id in seen:
                    raise ValueError(_("item {id} is listed twice").format(id=item.id))
                seen.add(item.id)
        return self

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for task in self.tasks for item in task.items)

    def item(self, item_id: str) -> Item:
        """The item of that id; KeyError (with the known ids) when there is none."""
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def task_of(self, item_id: str) -> Task:
        for task in self.tasks:
            if any(item.id == item_id for item in task.items):
                return task
        raise KeyError(item_id)


class DirectiveError(ValueError):
    """The tasks file is invalid: one message naming the file and what is wrong."""


def packaged_path() -> Path:
    return Path(str(resources.files("canhgac.compliance") / "data" / PACKAGED))


def load_directive(catalog: Catalog, path: Path | None = None) -> Directive:
    """The tasks file at ``path`` (the packaged one by default), checked against ``catalog``."""
    where = path or packaged_path()
    try:
        data = safe_load(where.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DirectiveError(
            _("{file}: cannot be read: {error}").format(file=where, error=exc.strerror or exc)
        ) from None
    except yaml.YAMLError as exc:
        raise DirectiveError(_("{file}: not valid YAML: {error}").format(file=where, error=exc)) from None
    try:
        directive = Directive.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise DirectiveError(
            f"{where}: {validation.location(first['loc'])}: {validation.describe(first)}"
        ) from None
    problem = _against_catalog(directive, catalog)
    if problem:
        raise DirectiveError(f"{where}: {problem}")
    return directive


def clause_of(catalog: Catalog, key: str) -> tuple[str, str] | None:
    """``("CV430", "3")`` for ``"CV430:3"`` when the catalog has that clause, else None."""
    framework, _sep, clause = key.partition(":")
    fw = catalog.frameworks.get(framework)
    if fw is None or not any(c.id == clause for c in fw.clauses):
        return None
    return framework, clause


def _against_catalog(directive: Directive, catalog: Catalog) -> str:
    """The first reference the catalog does not have, as a sentence; "" when all are known."""
    for task in directive.tasks:
        if clause_of(catalog, task.clause) is None:
            return _("task {task}: unknown clause {clause}").format(task=task.id, clause=task.clause)
        for item in task.items:
            if item.kind is ItemKind.CLAUSE and clause_of(catalog, item.clause) is None:
                return _("item {item}: unknown clause {clause}").format(item=item.id, clause=item.clause)
            if item.kind is ItemKind.ANSWER:
                entry = catalog.checks.get(item.check)
                if entry is None or entry.mode in (Mode.AUTOMATED, Mode.DETECTION):
                    return _("item {item}: {check} is not a self-assessment entry of the catalog").format(
                        item=item.id, check=item.check
                    )
    return ""
