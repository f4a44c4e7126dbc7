"""Version parsing and ordering for the components a portal runs (CMSs, web servers, PHP, jQuery).

Every version becomes a :class:`packaging.version.Version`, so that one ordering serves all
sources (bundled data, OSV, NVD, what a server announces). Rules, in order:

1. Surrounding space is dropped, letters are lower-cased, a leading ``v``/``version`` and a
   Debian epoch (``1:``) are removed.
2. A PEP 440 version is taken as is (``2.4.49``, ``4.7.5.2``, ``5.0.0-rc1`` → 5.0.0rc1,
   ``4.0.0-beta2`` → 4.0.0b2). Trailing zeros do not count: ``4.2`` equals ``4.2.0``.
3. Otherwise the leading dotted numbers are the release, and what follows decides:
   - a pre-release word (``alpha``, ``beta``, ``rc``, ``pre``, ``preview``, ``dev``) with an
     optional number: before the release (``9.3.0-preview2`` < ``9.3.0``);
   - a patch word (``p``, ``pl``, ``patch``, ``sp``, ``update``) with a number, or one letter
     other than a/b/c right after the digits (``1.0.1g``): after the release, in that order
     (``1.0.1`` < ``1.0.1f`` < ``1.0.1g`` < ``1.0.2``);
   - anything else is a distribution or build label (``2.4.41-4ubuntu3``, ``7.2.0 ce ga1``,
     ``10.0.17763.1``-style builds stay numeric): it is ignored and the release is compared
     alone. Distributions backport fixes without changing the upstream number, which is why
     the identification gives such versions a low confidence.
4. Text without a leading number is not a version: :class:`VersionError`.

A branch whose patch level is unknown (a generator tag saying "Joomla! 1.5") is no single
version: :func:`branch_bounds` gives the interval of versions it may be.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering

from packaging.version import InvalidVersion, Version

MAX_VERSION_CHARS = 100
_PRE = {"alpha": "a", "beta": "b", "rc": "rc", "pre": "rc", "preview": "rc", "dev": ".dev"}
_POST = frozenset({"p", "pl", "patch", "sp", "update", "u"})
_RELEASE = re.compile(r"(\d+(?:\.\d+)*)")
_WORD = re.compile(r"[-_.~+ ]?([a-z]+)[-_.]?(\d*)")
_EPOCH = re.compile(r"^\d+:(?=\d)")


class VersionError(ValueError):
    """The text is not a version canhgac can order."""


@total_ordering
@dataclass(frozen=True, slots=True, eq=False)
class ComponentVersion:
    """A version as written (``text``) and the key it is ordered by."""

    text: str
    key: Version
    labelled: bool = False  # a distribution/build label was ignored (rule 3, last case)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ComponentVersion) and self.key == other.key

    def __lt__(self, other: ComponentVersion) -> bool:
        return self.key < other.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __str__(self) -> str:
        return self.text


def _clean(text: str) -> str:
    cleaned = text.strip().lower()
    for prefix in ("version", "v"):
        if cleaned.startswith(prefix) and cleaned[len(prefix):].strip()[:1].isdigit():
            cleaned = cleaned[len(prefix):].strip()
    return _EPOCH.sub("", cleaned)


def _suffix(rest: str) -> tuple[str, bool]:
    """PEP 440 suffix for what follows the release, and whether a label was ignored."""
    if not rest:
        return "", False
    word = _WORD.match(rest)
    if word is None:
        return "", True
    name, number = word.group(1), word.group(2)
    tail = rest[word.end():]
    if name in _PRE:
        return f"{_PRE[name]}{number or 0}", bool(tail.strip())
    if name in _POST and number:
        return f".post{number}", bool(tail.strip())
    if len(name) == 1 and not number and rest[0].isalpha():
        return f".post{ord(name) - ord('a') + 1}", bool(tail.strip())
    return "", True


def parse_version(text: str) -> ComponentVersion:
    """Parse ``text`` by the rules of this module; :class:`VersionError` when it is no version."""
    if not isinstance(text, str) or not text.strip():
        raise VersionError("empty version")
    if len(text) > MAX_VERSION_CHARS:
        raise VersionError(f"version longer than {MAX_VERSION_CHARS} characters")
    cleaned = _clean(text)
    try:
        return ComponentVersion(text.strip(), Version(cleaned))
    except InvalidVersion:
        pass
    release = _RELEASE.match(cleaned)
    if release is None:
        raise VersionError(f"not a version: {text.strip()[:40]!r}")
    suffix, labelled = _suffix(cleaned[release.end():])
    try:
        return ComponentVersion(text.strip(), Version(release.group(1) + suffix), labelled)
    except InvalidVersion as exc:  # pragma: no cover - the pieces above are always valid
        raise VersionError(f"not a version: {text.strip()[:40]!r}") from exc


_BRANCH = re.compile(r"(\d+)\.(\d+)")


def branch_bounds(text: str) -> tuple[ComponentVersion, ComponentVersion]:
    """A release branch ``major.minor`` whose patch level is unknown, as the half-open interval
    [major.minor, major.(minor+1)) of every version it may be (pre-releases of the next branch
    excluded); :class:`VersionError` unless ``text`` is exactly two numbers."""
    match = _BRANCH.fullmatch(text.strip())
    if match is None:
        raise VersionError(f"not a major.minor branch: {text.strip()[:40]!r}")
    major, minor = int(match.group(1)), int(match.group(2))
    return (ComponentVersion(f"{major}.{minor}", Version(f"{major}.{minor}")),
            ComponentVersion(f"{major}.{minor + 1}", Version(f"{major}.{minor + 1}.dev0")))


def is_version(text: str) -> bool:
    try:
        parse_version(text)
    except VersionError:
        return False
    return True
