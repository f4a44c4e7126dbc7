"""DKIM key records (RFC 6376 3.6.1, RFC 8463) and the tag-list syntax they share (RFC 6376 3.2).

DMARC (RFC 7489 6.4) reuses the DKIM tag-list syntax, so :func:`parse_tag_list` and
:class:`Problem` live here and the DMARC and MTA-STS parsers import them. Every parser here is
pure and total: any input yields a value that lists its problems, never an exception.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key

_TAG_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_WSP = re.compile(r"\s+")
KNOWN_KEY_TYPES = ("rsa", "ed25519")


@dataclass(frozen=True, slots=True)
class Problem:
    """One syntax problem: a stable code (used in evidence and messages) and what was seen."""

    code: str
    detail: str

    def as_evidence(self) -> dict[str, str]:
        return {"code": self.code, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class TagList:
    """``tag=value`` pairs in order; ``problems`` lists malformed parts and duplicates."""

    tags: tuple[tuple[str, str], ...]
    problems: tuple[Problem, ...]

    def get(self, name: str) -> str | None:
        for tag, value in self.tags:
            if tag == name:
                return value
        return None

    def names(self) -> tuple[str, ...]:
        return tuple(tag for tag, _ in self.tags)


def parse_tag_list(text: str, *, lower_names: bool = False) -> TagList:
    """Split ``a=1; b=2`` into pairs (RFC 6376 3.2). Empty parts (``;;``) are tolerated.

    A duplicated tag makes the list invalid in DKIM and DMARC; it is reported, the first
    occurrence is kept.
    """
    tags: list[tuple[str, str]] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for raw in text.split(";"):
        part = raw.strip()
        if not part:
            continue
        name, sep, value = part.partition("=")
        name = name.strip()
        if lower_names:
            name = name.lower()
        if not sep or not _TAG_NAME.fullmatch(name):
            problems.append(Problem("malformed-tag", part[:80]))
            continue
        if name in seen:
            problems.append(Problem("duplicate-tag", name))
            continue
        seen.add(name)
        tags.append((name, value.strip()))
    return TagList(tuple(tags), tuple(problems))


@dataclass(frozen=True, slots=True)
class DkimKey:
    """One parsed DKIM key record."""

    text: str
    key_type: str  # the k= value, "rsa" by default
    revoked: bool  # p= is empty (RFC 6376 3.6.1)
    algorithm: str | None  # what the decoded key actually is: "rsa" or "ed25519"
    bits: int | None
    flags: tuple[str, ...]  # t= (y: testing, s: strict)
    problems: tuple[Problem, ...]

    @property
    def valid(self) -> bool:
        return not self.problems

    @property
    def usable(self) -> bool:
        """A verifier could check signatures with it."""
        return self.valid and not self.revoked and self.algorithm is not None

    @property
    def testing(self) -> bool:
        return "y" in self.flags

    def as_evidence(self) -> dict[str, object]:
        return {
            "record": self.text[:300],
            "key_type": self.key_type,
            "revoked": self.revoked,
            "algorithm": self.algorithm,
            "bits": self.bits,
            "testing": self.testing,
            "problems": [p.as_evidence() for p in self.problems],
        }


def looks_like_dkim_key(text: str) -> bool:
    """Whether a TXT string at a selector name is meant as a key record.

    Wildcard TXT records (an SPF record at ``*.example``) answer every selector; they are
    not DKIM keys and must not count as broken ones.
    """
    tags = parse_tag_list(text)
    names = set(tags.names())
    return tags.get("v") == "DKIM1" or "p" in names or "k" in names


def _decode_key(key_type: str, data: bytes) -> tuple[str | None, int | None, Problem | None]:
    if key_type == "ed25519":
        try:
            ed25519.Ed25519PublicKey.from_public_bytes(data)
        except ValueError as exc:
            return None, None, Problem("bad-key", f"ed25519: {exc}")
        return "ed25519", 256, None
    try:
        key = load_der_public_key(data)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        return None, None, Problem("bad-key", str(exc)[:120] or "not a DER public key")
    if not isinstance(key, rsa.RSAPublicKey):
        return None, None, Problem("key-type-mismatch", f"k={key_type} but p= holds {type(key).__name__}")
    return "rsa", key.key_size, None


def parse_dkim_key(text: str) -> DkimKey:
    """Parse a DKIM key record; problems say why a verifier would reject it."""
    tags = parse_tag_list(text)
    problems = list(tags.problems)
    version = tags.get("v")
    if version is not None and (tags.names()[0] != "v" or version != "DKIM1"):
        problems.append(Problem("bad-version", f"v={version} (must be the first tag, DKIM1)"))
    key_type = (tags.get("k") or "rsa").lower()
    flags = tuple(f.strip() for f in (tags.get("t") or "").split(":") if f.strip())
    p_value = tags.get("p")
    algorithm: str | None = None
    bits: int | None = None
    if p_value is None:
        problems.append(Problem("missing-p", "no p= tag"))
    elif key_type not in KNOWN_KEY_TYPES:
        problems.append(Problem("unknown-key-type", f"k={key_type}"))
    elif p_value:
        try:
            data = base64.b64decode(_WSP.sub("", p_value), validate=True)
        except (binascii.Error, ValueError):
            problems.append(Problem("bad-base64", p_value[:60]))
        else:
            algorithm, bits, problem = _decode_key(key_type, data)
            if problem is not None:
                problems.append(problem)
    revoked = p_value is not None and not _WSP.sub("", p_value)
    return DkimKey(text, key_type, revoked, algorithm, bits, flags, tuple(problems))
