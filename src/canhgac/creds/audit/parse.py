"""Reading the exports an agency can produce, one line at a time, into entries.

- impacket ``secretsdump`` / pwdump: ``[DOMAIN\\]user:RID:LMHASH:NTHASH:::`` with history
  entries (``user_history0``), machine accounts (``HOST$``), the ``(status=Disabled)`` and
  ``(pwdLastSet=...)`` annotations of ``-user-status`` / ``-pwd-last-set``, pwdump's
  ``NO PASSWORD*****`` fields; ``user:CLEARTEXT:...`` (reversible encryption) lines; Kerberos
  key lines and the tool's ``[*]`` log lines are skipped, not malformed;
- a plain ``user:nthash`` (or ``user@domain:nthash``) file;
- a Dovecot passwd-file: ``user[@domain]:{SCHEME}data[:uid:gid:...]``, or a bare crypt string.

Nothing here keeps a line: an entry holds what the checks need, in memory, for one line.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from canhgac.creds.audit.hashing import EMPTY_LM, EMPTY_NT

_HEX32 = re.compile(r"^[0-9a-fA-F]{32}$")
_ANNOTATION = re.compile(r"\s+\((status|pwdLastSet)=([^()]*)\)\s*$")
_HISTORY = re.compile(r"^(.+)_history(\d+)$")
_SCHEME = re.compile(r"^\{([A-Za-z0-9._-]+)\}(.*)$", re.S)
_ETYPE = re.compile(r"^(aes|des|rc4|dec|camellia|0x)[0-9a-z-]*$", re.I)
_NO_PASSWORD = "NO PASSWORD"  # noqa: S105 - pwdump's marker of an empty field

PLAIN_SCHEMES = frozenset({"PLAIN", "CLEAR", "CLEARTEXT", "PLAIN-TRUNC"})
UNSALTED = {"SHA": ("sha1", "b64"), "SHA1": ("sha1", "b64"), "SHA256": ("sha256", "b64"),
            "SHA512": ("sha512", "b64"), "PLAIN-MD5": ("md5", "hex"), "LDAP-MD5": ("md5", "b64")}
SALTED_DIGEST = {"SSHA": "sha1", "SSHA256": "sha256", "SSHA512": "sha512", "SMD5": "md5"}
CRYPT_SCHEMES = {"CRYPT": "", "DES-CRYPT": "", "MD5-CRYPT": "$1$", "MD5": "$1$", "SHA256-CRYPT": "$5$",
                 "SHA512-CRYPT": "$6$", "BLF-CRYPT": "$2"}
ARGON_SCHEMES = frozenset({"ARGON2ID", "ARGON2I"})
# fast, unsalted or obsolete: a stolen file gives the passwords away quickly (Dovecot's own advice)
WEAK_SCHEMES = frozenset({"CRYPT", "DES-CRYPT", "MD5-CRYPT", "MD5", "SHA", "SHA1", "SHA256", "SHA512",
                          "PLAIN-MD5", "LDAP-MD5", "SSHA", "SSHA256", "SSHA512", "SMD5", "NTLM", "LANMAN",
                          "CRAM-MD5", "HMAC-MD5", "DIGEST-MD5", "RPA", "OTP", "SKEY"})
CRYPT_PREFIXES = (("$1$", "MD5-CRYPT"), ("$5$", "SHA256-CRYPT"), ("$6$", "SHA512-CRYPT"),
                  ("$2a$", "BLF-CRYPT"), ("$2b$", "BLF-CRYPT"), ("$2y$", "BLF-CRYPT"),
                  ("$argon2id$", "ARGON2ID"), ("$argon2i$", "ARGON2I"))


@dataclass(slots=True)
class Entry:
    """One account line. ``plaintext`` and ``stored`` live in memory only, for the checks."""

    where: str
    display: str
    user: str
    domain: str | None = None
    netbios: bool = False
    rid: str | None = None
    machine: bool = False
    disabled: bool | None = None
    history: bool = False
    nt: bytes | None = None
    lm: bool = False
    plaintext: str | None = None
    reversible: bool = False  # a secretsdump CLEARTEXT line: the account's NT line is judged apart
    scheme: str | None = None
    digest: bytes | None = None  # an unsalted digest (scheme in UNSALTED)
    stored: str | None = None  # a salted hash as stored


class Skip:
    """A line that holds no account: blank, a comment, a tool's log line, a Kerberos key."""


SKIP = Skip()


def split_user(text: str) -> tuple[str, str | None, bool]:
    """(user, domain, domain is a NetBIOS name) from ``DOMAIN\\user``, ``user@domain`` or ``user``."""
    if "\\" in text:
        domain, user = text.split("\\", 1)
        return user, domain or None, "." not in domain
    if "@" in text:
        user, domain = text.rsplit("@", 1)
        return user, domain.lower() or None, False
    return text, None, False


def _account(where: str, name: str) -> Entry | None:
    name = name.strip()
    if not name:
        return None
    user, domain, netbios = split_user(name)
    if not user:
        return None
    entry = Entry(where=where, display=name, user=user, domain=domain, netbios=netbios)
    hist = _HISTORY.match(user)
    if hist:
        entry.history = True
        entry.user = hist[1]
        entry.display = name[: len(name) - len(user)] + hist[1]
    entry.machine = entry.user.endswith("$")
    return entry


def _nt(field: str) -> bytes | None:
    if field.startswith(_NO_PASSWORD):
        return EMPTY_NT
    return bytes.fromhex(field) if _HEX32.match(field) else None


def _lm_stored(field: str) -> bool:
    low = field.lower()
    return not (low == EMPTY_LM or field.startswith(_NO_PASSWORD) or low == "0" * 32)


def parse_line(line: str, where: str) -> Entry | Skip | None:
    """An entry, ``SKIP``, or None for a malformed line (counted by the caller, never shown)."""
    text = line.rstrip("\r\n")
    stripped = text.strip()
    if not stripped or stripped.startswith(("#", "[*]", "[-]", "[+]", "[!]")):
        return SKIP
    disabled: bool | None = None
    while (m := _ANNOTATION.search(text)) is not None:
        if m[1] == "status":
            disabled = m[2].strip().lower() == "disabled"
        text = text[: m.start()]
    fields = text.split(":")
    if len(fields) < 2:
        return None
    lm_field = len(fields) >= 4 and (_HEX32.match(fields[2]) or fields[2].startswith(_NO_PASSWORD))
    if lm_field and _nt(fields[3]) is not None:
        entry = _account(where, fields[0])
        if entry is None:
            return None
        entry.rid, entry.nt, entry.disabled = fields[1] or None, _nt(fields[3]), disabled
        entry.lm = _lm_stored(fields[2])
        return entry
    if len(fields) >= 3 and fields[1] == "CLEARTEXT":
        entry = _account(where, fields[0])
        if entry is None:
            return None
        entry.plaintext, entry.reversible, entry.disabled = ":".join(fields[2:]), True, disabled
        return entry
    if len(fields) == 3 and _ETYPE.match(fields[1]):
        return SKIP  # a Kerberos key (aes256-cts-hmac-sha1-96, des-cbc-md5, ...)
    value = fields[1]
    if _HEX32.match(value) and len(fields) == 2:
        entry = _account(where, fields[0])
        if entry is None:
            return None
        entry.nt, entry.disabled = bytes.fromhex(value), disabled
        return entry
    if value.startswith(("{", "$")):
        entry = _account(where, fields[0])
        if entry is None or not _dovecot(entry, value):
            return None
        entry.disabled = disabled
        return entry
    return None


def _decode(data: str, encoding: str) -> bytes | None:
    try:
        if encoding == "hex":
            return bytes.fromhex(data)
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return None


def _dovecot(entry: Entry, value: str) -> bool:
    """Fill the entry from a passwd-file password field; False when it cannot be read at all."""
    m = _SCHEME.match(value)
    if m is None:  # no scheme: Dovecot's default for passwd-file is CRYPT; read the crypt prefix
        scheme = next((s for p, s in CRYPT_PREFIXES if value.startswith(p)), None)
        entry.scheme, entry.stored = scheme or "?", value
        return True
    scheme, data = m[1].upper(), m[2]
    encoding = None
    for suffix, enc in ((".B64", "b64"), (".BASE64", "b64"), (".HEX", "hex")):
        if scheme.endswith(suffix):
            scheme, encoding = scheme[: -len(suffix)], enc
    entry.scheme = scheme
    if scheme in PLAIN_SCHEMES:
        if encoding is not None:
            raw = _decode(data, encoding)
            if raw is None:
                return False
            data = raw.decode("utf-8", "replace")
        if scheme == "PLAIN-TRUNC":
            data = re.sub(r"^\d+-", "", data)
        entry.plaintext = data
    elif scheme == "NTLM":
        if not _HEX32.match(data):
            return False
        entry.nt = bytes.fromhex(data)
    elif scheme == "LANMAN":
        entry.lm = _HEX32.match(data) is not None and _lm_stored(data)
    elif scheme in UNSALTED:
        default = UNSALTED[scheme][1]
        enc = encoding or ("hex" if scheme == "PLAIN-MD5" and len(data) == 32 else default)
        entry.digest = _decode(data, enc)
        if entry.digest is None:
            return False
    else:
        entry.stored = data
    return True
