"""What every UDP probe reports: how its one question went (:class:`UdpOutcome`) and where.

Each protocol's fact (in its own module) extends :class:`UdpFact` with what the reply said;
strings taken from a reply pass through :func:`server_text`, so a fact never holds more than
:data:`MAX_TEXT` characters of anything a server chose.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

MAX_TEXT = 300  # characters of a server-supplied string kept in a fact


class UdpOutcome(StrEnum):
    ANSWERED = "answered"  # a well-formed reply to our question arrived
    NO_ANSWER = "no_answer"  # nothing within the wait (silently dropped, filtered, or no service)
    UNREACHABLE = "unreachable"  # ICMP port unreachable: nothing listens there
    MALFORMED = "malformed"  # datagrams arrived, none a valid reply to our question
    OUT_OF_SCOPE = "out_of_scope"  # not contacted
    ERROR = "error"  # a local failure (socket creation, send)


@dataclass(frozen=True, slots=True, kw_only=True)
class UdpFact:
    """What every probe reports: where, how it went, and a local error or bound hit, if any."""

    address: str
    port: int
    outcome: UdpOutcome
    detail: str = ""

    @property
    def answered(self) -> bool:
        return self.outcome is UdpOutcome.ANSWERED


def server_text(raw: bytes) -> str:
    """A server-supplied string as a fact keeps it: decoded, without NULs, at most MAX_TEXT long."""
    return raw.decode("utf-8", "replace").replace("\x00", "").strip()[:MAX_TEXT]
