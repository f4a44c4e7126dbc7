"""What a rule's ``match`` and ``exclude`` blocks test, compiled once for the hot path.

The request target is %-decoded (and ``+``) once and lowercased; every target rule's patterns
form one combined expression, behind one combined literal prefilter over all rules, and the
answer (which rules a target matches) is remembered for targets seen again: most lines of a web
log repeat a few thousand targets. User agents and client exclusions are remembered the same way.
Every memo is bounded (cleared when full), so memory stays flat on any stream.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Sequence
from urllib.parse import unquote_plus

from canhgac.logs.records import LogRecord
from canhgac.logs.rule_schema import Exclude, Match, Rule

MEMO_SIZE = 50_000  # entries per memo before it is cleared
MAX_TARGET = 4096  # characters of a target the patterns read (bounded cost per distinct target)


def decode_target(target: str) -> str:
    """The target as a rule reads it: %-decoded and ``+`` → space, once; lowercased."""
    if "%" in target or "+" in target:
        target = unquote_plus(target, errors="replace")
    return target.lower()


def path_of(target: str) -> str:
    """The decoded, lowercased path of a target (no query string)."""
    return decode_target(target.partition("?")[0])


def combine(patterns: Sequence[str]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{p})" for p in patterns))


class TargetClassifier:
    """Which of the target rules a request target matches (rule indexes), remembered per target."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self._rules = [(combine(r.match.target), r.match.prefilter) for r in rules]
        literals = sorted({lit for r in rules for lit in r.match.prefilter})
        every = any(not r.match.prefilter for r in rules)
        # a target holding none of the literals matches no rule that has a prefilter
        self._prefilter = None if every or not literals else re.compile(
            "|".join(re.escape(lit) for lit in literals))
        self._memo: dict[str, tuple[int, ...]] = {}

    def __call__(self, target: str) -> tuple[int, ...]:
        hit = self._memo.get(target)
        if hit is None:
            hit = self._classify(target)
            if len(self._memo) >= MEMO_SIZE:
                self._memo.clear()
            self._memo[target] = hit
        return hit

    def _classify(self, target: str) -> tuple[int, ...]:
        text = decode_target(target[:MAX_TARGET])
        if self._prefilter is not None and self._prefilter.search(text) is None:
            return ()
        out = []
        for index, (pattern, literals) in enumerate(self._rules):
            if literals and not any(lit in text for lit in literals):
                continue
            if pattern is None or pattern.search(text) is not None:
                out.append(index)
        return tuple(out)


class Memo:
    """A bounded memo of a string test (user agent pattern, client exclusion)."""

    def __init__(self, test: Callable[[str], bool]) -> None:
        self._test = test
        self._memo: dict[str, bool] = {}

    def __call__(self, value: str) -> bool:
        hit = self._memo.get(value)
        if hit is None:
            hit = self._test(value)
            if len(self._memo) >= MEMO_SIZE:
                self._memo.clear()
            self._memo[value] = hit
        return hit


def record_filter(rule: Rule, *, basics: bool = True) -> Callable[[LogRecord], bool] | None:
    """The rule's conditions other than target patterns and its exclusions, as one test;
    ``None`` when the rule has none (the common case: no call at all on the hot path).
    ``basics=False`` leaves out status, method and user agent (the caller tests them inline)."""
    tests: list[Callable[[LogRecord], bool]] = []  # families: the detector dispatches on them
    reads, match = rule.reads, rule.match
    if reads.services:
        services = tuple(reads.services)
        tests.append(lambda r: r.service.startswith(services))
    tests.extend(_match_tests(match, basics))
    tests.extend(_exclude_tests(rule.exclude))
    if not tests:
        return None
    if len(tests) == 1:
        return tests[0]
    return lambda r: all(test(r) for test in tests)


def _match_tests(match: Match, basics: bool) -> list[Callable[[LogRecord], bool]]:
    tests: list[Callable[[LogRecord], bool]] = []
    if match.extensions:
        exts = tuple(match.extensions)
        tests.append(lambda r: path_of(r.target).endswith(exts))
    if not basics:
        return tests
    if match.status:
        statuses = frozenset(match.status)
        tests.append(lambda r: r.status in statuses)
    if match.methods:
        methods = frozenset(match.methods)
        tests.append(lambda r: r.method in methods)
    agent = combine(match.user_agent)
    if agent is not None:
        seen = Memo(lambda ua: agent.search(ua.lower()) is not None)
        tests.append(lambda r: seen(r.user_agent))
    return tests


def _exclude_tests(exclude: Exclude) -> list[Callable[[LogRecord], bool]]:
    tests: list[Callable[[LogRecord], bool]] = []
    if exclude.clients:
        networks = [ipaddress.ip_network(c, strict=False) for c in exclude.clients]

        def listed(client: str) -> bool:
            try:
                address = ipaddress.ip_address(client)
            except ValueError:
                return False
            return any(address in net for net in networks)

        allowed = Memo(listed)
        tests.append(lambda r: not allowed(r.client))
    if exclude.accounts:
        accounts = frozenset(exclude.accounts)
        tests.append(lambda r: r.account.lower() not in accounts)
    if exclude.paths:
        paths = tuple(exclude.paths)
        tests.append(lambda r: not path_of(r.target).startswith(paths))
    if exclude.user_agents:
        agents = tuple(exclude.user_agents)
        tests.append(lambda r: not any(a in r.user_agent.lower() for a in agents))
    return tests


def group_key(fields: Sequence[str]) -> Callable[[LogRecord], str]:
    """The rule's group as text (``client=203.0.113.9 service=sshd``); "" when its first field
    is empty (a failure without an address is not counted per address)."""
    getters = [(name, _getter(name)) for name in fields]
    if len(getters) == 1:
        name, get = getters[0]
        prefix = name + "="
        return lambda r: prefix + value if (value := get(r)) else ""

    def key(record: LogRecord) -> str:
        values = [(name, get(record)) for name, get in getters]
        if not values[0][1]:
            return ""
        return " ".join(f"{name}={value}" for name, value in values if value)

    return key


def _getter(name: str) -> Callable[[LogRecord], str]:
    if name == "path":
        return lambda r: path_of(r.target)
    return lambda r: str(getattr(r, name))
