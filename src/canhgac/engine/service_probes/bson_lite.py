"""The little BSON the MongoDB probe needs: encode flat command documents, decode replies.

The decoder is total: a malformed or hostile document raises :class:`BsonError` (never
anything else), nesting and element counts are bounded, and unknown element types stop the
decoding of that document with an error.
"""

from __future__ import annotations

import struct
from typing import Any

MAX_DEPTH = 8
MAX_ELEMENTS = 2000


class BsonError(ValueError):
    pass


def encode(doc: dict[str, Any]) -> bytes:
    body = bytearray()
    for key, value in doc.items():
        name = key.encode() + b"\x00"
        if isinstance(value, bool):
            body += b"\x08" + name + (b"\x01" if value else b"\x00")
        elif isinstance(value, int):
            body += b"\x10" + name + struct.pack("<i", value)
        elif isinstance(value, str):
            raw = value.encode() + b"\x00"
            body += b"\x02" + name + struct.pack("<i", len(raw)) + raw
        elif isinstance(value, dict):
            body += b"\x03" + name + encode(value)
        elif isinstance(value, list):
            body += b"\x04" + name + encode({str(i): v for i, v in enumerate(value)})
        else:
            raise TypeError(f"cannot encode {type(value).__name__}")
    return struct.pack("<i", len(body) + 5) + bytes(body) + b"\x00"


def _cstring(data: bytes, at: int) -> tuple[str, int]:
    end = data.find(b"\x00", at)
    if end < 0:
        raise BsonError("unterminated name")
    return data[at:end].decode("utf-8", errors="replace"), end + 1


def _int(data: bytes, at: int, fmt: str) -> Any:
    size = struct.calcsize(fmt)
    if at + size > len(data):
        raise BsonError("truncated number")
    return struct.unpack_from(fmt, data, at)[0]


def decode(data: bytes, at: int = 0, depth: int = 0) -> tuple[dict[str, Any], int]:
    """(the document starting at ``at``, the offset after it)."""
    if depth > MAX_DEPTH:
        raise BsonError("too deeply nested")
    size = _int(data, at, "<i")
    end = at + size
    if size < 5 or end > len(data) or data[end - 1] != 0:
        raise BsonError("bad document length")
    out: dict[str, Any] = {}
    pos = at + 4
    while pos < end - 1:
        if len(out) >= MAX_ELEMENTS:
            raise BsonError("too many elements")
        kind = data[pos]
        name, pos = _cstring(data, pos + 1)
        value, pos = _value(data, pos, kind, depth)
        if pos > end:
            raise BsonError("element overruns its document")
        out[name] = value
    return out, end


def _value(data: bytes, pos: int, kind: int, depth: int) -> tuple[Any, int]:
    if kind == 0x01:
        return _int(data, pos, "<d"), pos + 8
    if kind in (0x02, 0x0D, 0x0E):
        size = _int(data, pos, "<i")
        if size < 1 or pos + 4 + size > len(data):
            raise BsonError("bad string length")
        return data[pos + 4 : pos + 3 + size].decode("utf-8", errors="replace"), pos + 4 + size
    if kind in (0x03, 0x04):
        doc, after = decode(data, pos, depth + 1)
        return (list(doc.values()) if kind == 0x04 else doc), after
    if kind == 0x05:
        size = _int(data, pos, "<i")
        if size < 0 or pos + 5 + size > len(data):
            raise BsonError("bad binary length")
        return data[pos + 5 : pos + 5 + size], pos + 5 + size
    if kind == 0x07:
        return data[pos : pos + 12].hex(), pos + 12
    if kind == 0x08:
        return data[pos : pos + 1] == b"\x01", pos + 1
    if kind in (0x09, 0x11, 0x12):
        return _int(data, pos, "<q"), pos + 8
    if kind in (0x0A, 0xFF, 0x7F, 0x06):
        return None, pos
    if kind == 0x10:
        return _int(data, pos, "<i"), pos + 4
    if kind == 0x13:
        return data[pos : pos + 16].hex(), pos + 16
    raise BsonError(f"element type 0x{kind:02x} not understood")
