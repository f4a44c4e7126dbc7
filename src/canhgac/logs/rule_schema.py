"""The detection rule files: their schema, and how they are read (one-line errors when broken).

A rule file (YAML, ``rules:`` list) says what a detection looks for without code: which records
it reads (events, families, services), what a matching line looks like (patterns on the request
target and the user agent, status codes, methods), how matches are counted (per group key, over a
sliding window, against a threshold of lines, of distinct accounts or clients, or of recipients),
and what is never counted (allow-listed clients, accounts, paths). Its texts are in Vietnamese and
English, with references (the directive's task 5, OWASP, MITRE ATT&CK): the catalog reads the
same files as its ``logs.*`` entries, so a detection's rule id is a check id with one text.

Five kinds of rule:

- ``threshold``: N matching records (or distinct values, or a summed weight) in a window per group;
- ``sequence``: a record (a login success) after N records of another kind (failures) in a window,
  per client and per account (Wazuh's ``if_matched_sid`` with ``frequency``);
- ``spike``: a source's requests per minute far above its recent baseline;
- ``rare-script``: a script path few clients request, answering 200 to POSTs (web shells);
- ``silence``: a source without a line for longer than its usual gaps and a minimum.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Iterator, Sequence
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from canhgac.catalog.schema import Reference, Severity, Text
from canhgac.i18n import gettext as _
from canhgac.i18n import validation
from canhgac.logs.records import LogEvent, LogFamily
from canhgac.yamlio import safe_load

RULES_ENV = "CANHGAC_LOG_RULES"  # extra rule files or folders, separated by os.pathsep
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


class RuleFileError(ValueError):
    """A rule file that cannot be used; the message is one line naming the file and the problem."""


class RuleKind(StrEnum):
    THRESHOLD = "threshold"
    SEQUENCE = "sequence"
    SPIKE = "spike"
    RARE_SCRIPT = "rare-script"
    SILENCE = "silence"


def parse_duration(value: object) -> float:
    """``90``, ``"90s"``, ``"10m"``, ``"2h"``, ``"1d"`` → seconds."""
    if isinstance(value, bool):
        raise ValueError(_("expected a duration, like 10m"))
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if match is None:
            raise ValueError(_("expected a duration, like 10m"))
        seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if seconds <= 0:
        raise ValueError(_("a duration must be longer than zero"))
    return seconds


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _compile(patterns: tuple[str, ...]) -> tuple[str, ...]:
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(_("not a valid pattern: {pattern} ({detail})").format(
                pattern=pattern, detail=exc)) from None
    return patterns


Duration = Annotated[float, BeforeValidator(parse_duration)]
Patterns = Annotated[tuple[str, ...], AfterValidator(_compile)]


class Reads(_Model):
    """Which records a rule reads: the cheap prefilter before anything else."""

    events: tuple[LogEvent, ...] = Field(min_length=1)
    families: tuple[LogFamily, ...] = ()  # empty: any
    services: tuple[str, ...] = ()  # prefixes of LogRecord.service (``postfix/``); empty: any


class Match(_Model):
    """What a matching line looks like; every condition given must hold.

    Patterns are regular expressions tested on the lowercased request target, %-decoded (and
    ``+``) once; the rule's patterns form one combined expression. ``prefilter`` literals, when
    given, are tested first: a target holding none of them is not matched against the patterns.
    """

    target: Patterns = ()
    prefilter: tuple[str, ...] = ()
    user_agent: Patterns = ()  # tested on the lowercased user agent
    status: tuple[int, ...] = ()
    methods: tuple[str, ...] = ()
    extensions: tuple[str, ...] = ()  # of the target's path (``.php``), lowercased


    @field_validator("prefilter", "extensions")
    @classmethod
    def _lower(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(v.lower() for v in value)

    @field_validator("methods")
    @classmethod
    def _upper(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(v.upper() for v in value)


class Exclude(_Model):
    """What is never counted: allow-listed clients (addresses or ranges), accounts, path prefixes."""

    clients: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()  # prefixes of the decoded, lowercased path
    user_agents: tuple[str, ...] = ()  # substrings of the lowercased user agent

    @field_validator("clients")
    @classmethod
    def _networks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(_("not an address or range: {value}").format(value=item)) from None
        return value

    @field_validator("accounts", "paths", "user_agents")
    @classmethod
    def _lower(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(v.lower() for v in value)


class Distinct(_Model):
    field: Literal["client", "account", "service", "target", "sender"]
    min: int = Field(ge=2)


class Threshold(_Model):
    """When a group's window holds enough: ``count`` records (each weighing one, or its
    ``weight`` field such as ``recipients``), and, if given, ``distinct`` values of a field."""

    count: int = Field(ge=1)
    window: Duration
    distinct: Distinct | None = None
    weight: Literal["recipients"] | None = None



class After(_Model):
    """For a sequence: the records that must come first (``count`` in ``window``), per client
    and per account."""

    events: tuple[LogEvent, ...] = Field(min_length=1)
    count: int = Field(ge=1)
    window: Duration



class Spike(_Model):
    factor: float = Field(gt=1)
    min_per_minute: int = Field(ge=1)
    baseline_minutes: int = Field(ge=2, le=1440)  # minutes seen before a spike can be judged


class Rare(_Model):
    max_clients: int = Field(ge=1)  # a path more clients request is a site's usual script
    min_posts: int = Field(ge=1)  # POSTs answered 200 before the path is reported
    max_hits: int = Field(ge=1)  # a path requested more often than this is not rare
    learn: Duration  # live mode: paths seen during the source's first ``learn`` seconds are usual
    allowed: tuple[str, ...] = ()  # path prefixes always usual (lowercased)


    @field_validator("allowed")
    @classmethod
    def _lower(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(v.lower() for v in value)


class Silence(_Model):
    minimum: Duration  # never silent before this long without a line
    factor: float = Field(gt=1)  # ... nor before ``factor`` times the source's usual gap
    min_lines: int = Field(ge=2)  # lines seen before a source's usual gap is known



class Rule(_Model):
    id: str = Field(pattern=r"^logs\.[a-z0-9-]+\.[a-z0-9-]+$")
    kind: RuleKind
    severity: Severity
    title: Text
    description: Text
    remediation: Text
    message: Text  # the detection as one sentence: {count} {group} {window} {first} {last}...
    references: tuple[Reference, ...] = ()
    reads: Reads
    match: Match = Match()
    group_by: tuple[Literal["client", "account", "service", "source", "vhost", "path", "sender"], ...] = ()
    threshold: Threshold | None = None
    after: After | None = None
    spike: Spike | None = None
    rare: Rare | None = None
    silence: Silence | None = None
    cooldown: Duration | None = None  # after firing, the group's further matches join the same
    # detection until this long passes without one (default: the window)
    max_groups: int = Field(default=20_000, ge=10)  # groups kept per rule; the oldest go first
    exclude: Exclude = Exclude()
    enabled: bool = True


    @model_validator(mode="after")
    def _parts(self) -> Rule:
        needed = {
            RuleKind.THRESHOLD: ("threshold",),
            RuleKind.SEQUENCE: ("threshold", "after"),
            RuleKind.SPIKE: ("spike",),
            RuleKind.RARE_SCRIPT: ("rare",),
            RuleKind.SILENCE: ("silence",),
        }[self.kind]
        for name in needed:
            if getattr(self, name) is None:
                raise ValueError(_("a {kind} rule needs `{part}`").format(kind=self.kind.value, part=name))
        if self.kind in (RuleKind.THRESHOLD, RuleKind.SEQUENCE) and not self.group_by:
            raise ValueError(_("a {kind} rule needs `group_by`").format(kind=self.kind.value))
        return self

    @property
    def family(self) -> str:
        """The catalog family: the id without its last part (``logs.web.sqli`` → ``logs.web``)."""
        return self.id.rsplit(".", 1)[0]

    @property
    def window(self) -> float:
        if self.threshold is not None:
            return self.threshold.window
        if self.after is not None:
            return self.after.window
        return 60.0


class RuleFile(_Model):
    rules: tuple[Rule, ...] = Field(min_length=1)


def builtin_dir() -> Path:
    return Path(str(resources.files("canhgac.logs") / "rules"))


def builtin_files() -> list[Path]:
    return sorted(builtin_dir().glob("*.yaml"))


def env_paths() -> list[Path]:
    """Extra rule files (or folders of them) named by ``CANHGAC_LOG_RULES``."""
    raw = os.environ.get(RULES_ENV, "")
    return [Path(part) for part in raw.split(os.pathsep) if part.strip()]


def expand(paths: Sequence[Path]) -> list[Path]:
    """Files as given; a folder stands for its ``*.yaml`` files, in name order."""
    out: list[Path] = []
    for path in paths:
        out.extend(sorted(path.glob("*.yaml")) if path.is_dir() else [path])
    return out


def read_rule_file(path: Path) -> tuple[Rule, ...]:
    """The rules of one file; :class:`RuleFileError` (one line) when it is unreadable or invalid."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleFileError(_("{path}: cannot read the rule file: {detail}").format(
            path=path, detail=getattr(exc, "strerror", None) or exc)) from None
    try:
        data: Any = safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise RuleFileError(_("{path}{where}: not valid YAML: {detail}").format(
            path=path, where=where, detail=problem)) from None
    try:
        return RuleFile.model_validate(data).rules
    except ValidationError as exc:
        raise RuleFileError(_("{path}: invalid rule file: {detail}").format(
            path=path, detail=validation.summary(exc))) from None


def read_rules(paths: Sequence[Path]) -> Iterator[tuple[Path, Rule]]:
    for path in expand(paths):
        for rule in read_rule_file(path):
            yield path, rule
