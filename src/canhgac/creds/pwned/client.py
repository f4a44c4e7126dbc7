"""A client of the range API (this package's ``serve``, or any service speaking it).

k-anonymity: only the hash's first five hex digits leave the process; the answer is searched
here. ``Add-Padding: true`` is sent so the answer's size says nothing either. The standard
library's ``urllib`` is enough: one small GET per check, no session to keep.
"""

from __future__ import annotations

import binascii
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from canhgac.creds.pwned.hashes import HashKind
from canhgac.i18n import gettext as _


class RangeClientError(Exception):
    """The range service could not answer (unreachable, refused, garbled): one line, no hash."""


class RangeClient:
    def __init__(self, base_url: str, *, timeout: float = 3.0, padding: bool = True) -> None:
        scheme = urlsplit(base_url).scheme
        if scheme not in ("http", "https"):
            raise RangeClientError(_("the range service's URL must start with http:// or https://: {url}")
                                   .format(url=base_url))
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.padding = padding

    def count(self, digest: bytes, kind: HashKind = HashKind.SHA1) -> int:
        """Times the hash was seen according to the service (0: never)."""
        full = binascii.hexlify(digest).upper()
        prefix, suffix = full[:5].decode(), full[5:]
        url = f"{self.base_url}/range/{prefix}" + ("?mode=ntlm" if kind is HashKind.NTLM else "")
        headers = {"User-Agent": "canhgac", **({"Add-Padding": "true"} if self.padding else {})}
        # the scheme is http or https (checked in __init__): S310's concern
        request = urllib.request.Request(url, headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310
                body: bytes = answer.read()
        except urllib.error.HTTPError as exc:
            raise RangeClientError(_("the range service {url} answered {status}").format(
                url=self.base_url, status=exc.code)) from None
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            reason = getattr(exc, "reason", exc)
            raise RangeClientError(_("the range service {url} cannot be reached: {why}").format(
                url=self.base_url, why=reason)) from None
        for line in body.split(b"\n"):
            found, colon, count = line.strip().partition(b":")
            if colon and found.upper() == suffix:
                try:
                    return int(count)  # padding lines have count 0
                except ValueError:
                    break
        return 0
