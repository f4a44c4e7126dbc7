"""SPF record parser (RFC 7208 section 12 ABNF): pure, no I/O, never raises.

:func:`parse_spf` turns a record's text into an :class:`SpfRecord` holding its terms in
order and every syntax problem found, each naming the offending term and a stable problem
code. The collector follows the record's include/redirect targets; checks read the result.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from enum import StrEnum

VERSION = "v=spf1"
MAX_CIDR = {"ip4": 32, "ip6": 128}
MECHANISMS = frozenset({"all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"})
# Terms whose evaluation queries DNS (RFC 7208 4.6.4): they count towards the limit of 10.
DNS_TERMS = frozenset({"include", "a", "mx", "ptr", "exists", "redirect"})
_DOMAIN_ONLY = frozenset({"include", "exists"})  # ":" domain-spec required
_MODIFIER = re.compile(r"[A-Za-z][A-Za-z0-9._-]*=")
_DUAL_CIDR = re.compile(r"(?:/(\d+))?(?://(\d+))?\Z")
_LDH = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
_MACRO_BODY = re.compile(r"([slodiphcrtv])(\d*)(r?)([.\-+,/_=]*)\Z", re.IGNORECASE)
_EXP_ONLY_LETTERS = frozenset("crt")


class Qualifier(StrEnum):
    PASS = "+"  # noqa: S105 - a qualifier, not a password
    FAIL = "-"
    SOFTFAIL = "~"
    NEUTRAL = "?"


class Problem(StrEnum):
    """Why a term is invalid; each code has a message in the mail.spf.syntax catalog entry."""

    VERSION = "version"  # the text does not start with "v=spf1"
    INVALID_CHARACTER = "invalid-character"
    UNKNOWN_MECHANISM = "unknown-mechanism"
    MISSING_DOMAIN = "missing-domain"
    UNEXPECTED_ARGUMENT = "unexpected-argument"
    INVALID_DOMAIN = "invalid-domain"
    INVALID_MACRO = "invalid-macro"
    INVALID_IP = "invalid-ip"
    INVALID_CIDR = "invalid-cidr"
    DUPLICATE_MODIFIER = "duplicate-modifier"


@dataclass(frozen=True, slots=True)
class SpfError:
    term: str
    problem: Problem
    detail: str


@dataclass(frozen=True, slots=True)
class Mechanism:
    text: str
    qualifier: Qualifier
    name: str  # lower-case mechanism name
    domain: str | None = None  # domain-spec, when given
    network: str | None = None  # ip4/ip6: the network in CIDR form
    cidr4: int | None = None
    cidr6: int | None = None

    @property
    def prefix(self) -> int | None:
        """The prefix length of an ip4/ip6 mechanism."""
        return self.cidr4 if self.name == "ip4" else self.cidr6 if self.name == "ip6" else None


@dataclass(frozen=True, slots=True)
class Modifier:
    text: str
    name: str  # lower-case modifier name
    value: str


Term = Mechanism | Modifier


@dataclass(frozen=True, slots=True)
class SpfRecord:
    text: str
    terms: tuple[Term, ...]
    errors: tuple[SpfError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def mechanisms(self) -> tuple[Mechanism, ...]:
        return tuple(t for t in self.terms if isinstance(t, Mechanism))

    def modifier(self, name: str) -> Modifier | None:
        return next((t for t in self.terms if isinstance(t, Modifier) and t.name == name), None)

    @property
    def redirect(self) -> Modifier | None:
        return self.modifier("redirect")

    def first_all(self) -> Mechanism | None:
        return next((m for m in self.mechanisms if m.name == "all"), None)

    def reachable(self) -> tuple[tuple[int, Term], ...]:
        """Terms an evaluation can reach, with their positions.

        Mechanisms after the first ``all`` are never tested, and ``redirect`` is ignored when
        the record has an ``all`` (RFC 7208 5.1 and 6.1).
        """
        out: list[tuple[int, Term]] = []
        for pos, term in enumerate(self.terms):
            if isinstance(term, Mechanism):
                out.append((pos, term))
                if term.name == "all":
                    return tuple(out)
            elif term.name == "redirect":
                out.append((pos, term))
        return tuple(out)


def is_spf_record(text: str) -> bool:
    """A TXT string is an SPF record when it starts with ``v=spf1`` then a space or its end."""
    head = text[: len(VERSION)]
    return head.lower() == VERSION and (len(text) == len(VERSION) or text[len(VERSION)] == " ")


def parse_spf(text: str) -> SpfRecord:
    """Parse one record. Never raises; problems are returned in ``errors``."""
    if not is_spf_record(text):
        error = SpfError(text[:40], Problem.VERSION, "does not start with v=spf1")
        return SpfRecord(text, (), (error,))
    terms: list[Term] = []
    errors: list[SpfError] = []
    seen_modifiers: set[str] = set()
    for raw in text[len(VERSION):].split(" "):
        if not raw:
            continue
        term, problems = _parse_term(raw)
        errors.extend(problems)
        if isinstance(term, Modifier) and term.name in ("redirect", "exp"):
            if term.name in seen_modifiers:
                detail = f"{term.name} appears twice"
                errors.append(SpfError(raw, Problem.DUPLICATE_MODIFIER, detail))
            seen_modifiers.add(term.name)
        if term is not None and not problems:
            terms.append(term)
    return SpfRecord(text, tuple(terms), tuple(errors))


def _parse_term(raw: str) -> tuple[Term | None, list[SpfError]]:
    bad = next((c for c in raw if not "\x21" <= c <= "\x7e"), None)
    if bad is not None:
        return None, [SpfError(raw, Problem.INVALID_CHARACTER, f"character U+{ord(bad):04X}")]
    if _MODIFIER.match(raw):
        return _parse_modifier(raw)
    return _parse_mechanism(raw)


def _parse_modifier(raw: str) -> tuple[Term | None, list[SpfError]]:
    name, _, value = raw.partition("=")
    name = name.lower()
    if name in ("redirect", "exp"):
        if not value:
            return None, [SpfError(raw, Problem.MISSING_DOMAIN, f"{name}= needs a domain")]
        problem = _domain_spec_problem(value, allow_exp_letters=name == "exp")
    else:
        problem = _macro_problem(value, allow_exp_letters=False)
    if problem is not None:
        return None, [SpfError(raw, problem[0], problem[1])]
    return Modifier(raw, name, value), []


def _parse_mechanism(raw: str) -> tuple[Term | None, list[SpfError]]:
    qualifier = Qualifier.PASS
    body = raw
    if raw[0] in "+-~?":
        qualifier, body = Qualifier(raw[0]), raw[1:]
    end = min((i for i in (body.find(":"), body.find("/")) if i >= 0), default=len(body))
    name, rest = body[:end].lower(), body[end:]
    if name not in MECHANISMS:
        return None, [SpfError(raw, Problem.UNKNOWN_MECHANISM, f"unknown mechanism {name!r}")]
    try:
        return _mechanism_args(raw, qualifier, name, rest), []
    except _TermError as exc:
        return None, [SpfError(raw, exc.problem, exc.detail)]


class _TermError(Exception):
    def __init__(self, problem: Problem, detail: str) -> None:
        super().__init__(detail)
        self.problem = problem
        self.detail = detail


def _mechanism_args(raw: str, qualifier: Qualifier, name: str, rest: str) -> Mechanism:
    if name == "all":
        if rest:
            raise _TermError(Problem.UNEXPECTED_ARGUMENT, "all takes no argument")
        return Mechanism(raw, qualifier, name)
    if name in ("ip4", "ip6"):
        network, cidr = _ip_network(name, rest)
        v4 = name == "ip4"
        return Mechanism(raw, qualifier, name, network=network,
                         cidr4=cidr if v4 else None, cidr6=None if v4 else cidr)
    cidr4 = cidr6 = None
    if name in ("a", "mx"):
        rest, cidr4, cidr6 = _split_dual_cidr(rest)
    elif rest.startswith("/"):
        raise _TermError(Problem.UNEXPECTED_ARGUMENT, f"{name} takes no prefix length")
    domain = None
    if rest:
        domain = rest[1:]  # rest starts with ":"
        if not domain:
            raise _TermError(Problem.MISSING_DOMAIN, f"{name}: has an empty domain")
        problem = _domain_spec_problem(domain, allow_exp_letters=False)
        if problem is not None:
            raise _TermError(*problem)
    elif name in _DOMAIN_ONLY:
        raise _TermError(Problem.MISSING_DOMAIN, f"{name} needs a domain")
    return Mechanism(raw, qualifier, name, domain=domain, cidr4=cidr4, cidr6=cidr6)


def _cidr(text: str, family: str) -> int:
    if text.startswith("0") and text != "0":
        raise _TermError(Problem.INVALID_CIDR, f"prefix length {text} has a leading zero")
    if len(text) > 3 or int(text) > MAX_CIDR[family]:
        limit = MAX_CIDR[family]
        raise _TermError(Problem.INVALID_CIDR, f"{family} prefix length {text} exceeds {limit}")
    return int(text)


def _split_dual_cidr(rest: str) -> tuple[str, int | None, int | None]:
    match = _DUAL_CIDR.search(rest)
    assert match is not None  # both groups are optional: the pattern always matches
    head = rest[: match.start()]
    if head.endswith("/"):
        raise _TermError(Problem.INVALID_CIDR, "malformed prefix length")
    cidr4 = _cidr(match.group(1), "ip4") if match.group(1) is not None else None
    cidr6 = _cidr(match.group(2), "ip6") if match.group(2) is not None else None
    if head and not head.startswith(":"):
        raise _TermError(Problem.INVALID_CIDR, f"malformed prefix length {rest!r}")
    return head, cidr4, cidr6


def _ip_network(family: str, rest: str) -> tuple[str, int]:
    if not rest.startswith(":") or len(rest) == 1:
        raise _TermError(Problem.INVALID_IP, f"{family} needs an address")
    address, slash, length = rest[1:].partition("/")
    if slash and not length.isdigit():
        raise _TermError(Problem.INVALID_CIDR, f"malformed prefix length {length!r}")
    prefix = _cidr(length, family) if slash else MAX_CIDR[family]
    if "%" in address:
        raise _TermError(Problem.INVALID_IP, f"{address!r} is not an {family} address")
    try:
        parsed: ipaddress.IPv4Address | ipaddress.IPv6Address = (
            ipaddress.IPv4Address(address) if family == "ip4" else ipaddress.IPv6Address(address)
        )
    except ValueError:
        raise _TermError(Problem.INVALID_IP, f"{address!r} is not an {family} address") from None
    return str(ipaddress.ip_network(f"{parsed}/{prefix}", strict=False)), prefix


def _domain_spec_problem(spec: str, *, allow_exp_letters: bool) -> tuple[Problem, str] | None:
    """domain-spec = macro-string domain-end; domain-end = "." toplabel ["."] / macro-expand."""
    macro = _macro_problem(spec, allow_exp_letters=allow_exp_letters)
    if macro is not None:
        return macro
    if re.search(r"%(?:\{[^}]*\}|[%_-])\Z", spec):
        return None
    if "%" not in spec:
        labels = spec.rstrip(".").split(".")
        if len(spec.rstrip(".")) > 253 or any(not label or len(label) > 63 for label in labels):
            return Problem.INVALID_DOMAIN, f"{spec!r} is not a valid domain name"
    body = spec[:-1] if spec.endswith(".") else spec
    dot = body.rfind(".")
    if dot < 0 or not _is_toplabel(body[dot + 1:]):
        return Problem.INVALID_DOMAIN, f"{spec!r} does not end in a valid top-level label"
    return None


def _is_toplabel(label: str) -> bool:
    """toplabel: letters, digits and inner hyphens, not all digits (RFC 7208 section 12)."""
    if not label or label[0] == "-" or label[-1] == "-" or not set(label) <= _LDH:
        return False
    return "-" in label or not label.isdigit()


def _macro_problem(text: str, *, allow_exp_letters: bool) -> tuple[Problem, str] | None:
    """Check macro-string syntax (RFC 7208 7.1) in one left-to-right pass."""
    i = 0
    while i < len(text):
        percent = text.find("%", i)
        if percent < 0:
            return None
        following = text[percent + 1: percent + 2]
        if following in ("%", "_", "-"):
            i = percent + 2
            continue
        if following != "{":
            return Problem.INVALID_MACRO, f"'%' at offset {percent} does not start a macro"
        close = text.find("}", percent + 2)
        if close < 0:
            return Problem.INVALID_MACRO, f"macro at offset {percent} is not closed"
        problem = _macro_body_problem(text[percent + 2: close], allow_exp_letters)
        if problem is not None:
            return Problem.INVALID_MACRO, problem
        i = close + 1
    return None


def _macro_body_problem(body: str, allow_exp_letters: bool) -> str | None:
    match = _MACRO_BODY.match(body)
    if match is None:
        return f"invalid macro %{{{body[:20]}}}"
    letter, digits = match.group(1).lower(), match.group(2)
    if letter in _EXP_ONLY_LETTERS and not allow_exp_letters:
        return f"macro letter {letter!r} is only allowed in exp"
    if digits and not digits.strip("0"):
        return "macro transformer digit must not be zero"
    return None
