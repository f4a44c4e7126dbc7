"""Cutting a syslog TCP (or TLS) byte stream into messages, without trusting the sender.

Two framings exist (RFC 6587): **octet counting** (``LEN SP MSG``, RFC 5425's only framing, what
rsyslog's ``TCP_Framing="octet-counted"`` and ``logger --octet-count`` send) and
**non-transparent framing** (each message ends with LF; rsyslog's and syslog-ng's default, and
``logger``'s). Senders may change framing between messages, so each frame is read by its first
byte: a digit starts an octet count, anything else (a syslog message starts with ``<``) runs to
the next LF (a NUL also ends it, as some old senders use).

The decoder holds at most ``max_frame`` bytes: a longer frame is skipped (an octet-counted one
without buffering its body, an LF one up to its LF) and counted in ``overlong``; a count that is
not a number is counted in ``garbage`` and the stream resynchronises at the next LF.
"""

from __future__ import annotations

MAX_FRAME = 64 * 1024
_MAX_DIGITS = 10


class FrameDecoder:
    def __init__(self, max_frame: int = MAX_FRAME) -> None:
        self.max_frame = max_frame
        self.overlong = 0
        self.garbage = 0
        self._buf = bytearray()
        self._skip = 0  # bytes of an oversized octet-counted frame still to drop
        self._skip_to_lf = False  # inside an oversized (or garbled) LF frame

    def feed(self, data: bytes) -> list[bytes]:
        """The complete frames in what arrived (their bodies, framing removed)."""
        out: list[bytes] = []
        buf = self._buf
        buf += data
        while buf:
            if self._skip:
                n = min(self._skip, len(buf))
                del buf[:n]
                self._skip -= n
                continue
            if self._skip_to_lf:
                end = _frame_end(buf)
                if end < 0:
                    buf.clear()
                    break
                del buf[: end + 1]
                self._skip_to_lf = False
                continue
            first = buf[0]
            if first in b"\n\r\x00 ":  # stray separators between frames
                del buf[:1]
                continue
            if 0x30 <= first <= 0x39:
                if not self._octet_counted(buf, out):
                    break
                continue
            end = _frame_end(buf)
            if end < 0:
                if len(buf) > self.max_frame:
                    self.overlong += 1
                    buf.clear()
                    self._skip_to_lf = True
                break
            if end > self.max_frame:
                self.overlong += 1
            else:
                out.append(bytes(buf[:end]).rstrip(b"\r"))
            del buf[: end + 1]
        return out

    def _octet_counted(self, buf: bytearray, out: list[bytes]) -> bool:
        """Read one ``LEN SP MSG`` frame; False when more bytes are needed."""
        space = buf.find(b" ", 0, _MAX_DIGITS + 1)
        if space < 0:
            if len(buf) > _MAX_DIGITS or not bytes(buf).isdigit():
                self.garbage += 1
                self._skip_to_lf = True
                return True
            return False
        digits = bytes(buf[:space])
        if not digits.isdigit():
            self.garbage += 1
            self._skip_to_lf = True
            return True
        length = int(digits)
        if length > self.max_frame:
            self.overlong += 1
            del buf[: space + 1]
            self._skip = length
            return True
        if len(buf) < space + 1 + length:
            return False
        out.append(bytes(buf[space + 1: space + 1 + length]))
        del buf[: space + 1 + length]
        return True

    def finish(self) -> list[bytes]:
        """At the end of the stream: a last LF frame without its LF still counts."""
        rest = bytes(self._buf)
        self._buf.clear()
        if self._skip or self._skip_to_lf or not rest.strip():
            return []
        if rest[:1].isdigit():
            self.garbage += 1  # an octet-counted frame cut short
            return []
        return [rest.rstrip(b"\r\n\x00")] if len(rest) <= self.max_frame else []


def _frame_end(buf: bytearray) -> int:
    lf = buf.find(b"\n")
    nul = buf.find(b"\x00", 0, lf if lf >= 0 else len(buf))
    return nul if nul >= 0 else lf
