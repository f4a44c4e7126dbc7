"""``canhgac sweep --upload URL``: the signed result file posted to the console's API with the
standard library only (an agency PC has no httpx, no Django).

``URL`` is the console's address (``https://console.example/``) or the endpoint itself
(``…/api/v1/sweep/results``). The file goes as a multipart upload with the agency officer's API
token (``Authorization: Bearer``). Every failure is one line (:class:`UploadError`): the console
refused it (its own message), the network failed, the TLS handshake failed. The local file is
written before and kept whatever happens, so it can still be carried on a USB stick.
"""

from __future__ import annotations

import json
import os
import ssl
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from canhgac.i18n import gettext as _

ENDPOINT = "api/v1/sweep/results"
TIMEOUT_S = 120.0


class UploadError(Exception):
    """An upload that did not succeed, in one line."""


def endpoint(url: str) -> str:
    """The results endpoint for a console address or the endpoint itself."""
    url = url.strip()
    if not url.startswith(("http://", "https://")):
        raise UploadError(_("--upload needs an http:// or https:// address, not {url}").format(url=url[:200]))
    if url.rstrip("/").endswith(ENDPOINT):
        return url.rstrip("/")
    return url.rstrip("/") + "/" + ENDPOINT


def read_token(token_file: Path | None) -> str:
    """The API token: the first line of ``token_file``, else ``CANHGAC_API_TOKEN``."""
    if token_file is not None:
        try:
            lines = token_file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            raise UploadError(_("cannot read the token file {path}").format(path=token_file)) from None
        token = lines[0].strip() if lines else ""
    else:
        token = os.environ.get("CANHGAC_API_TOKEN", "").strip()
    if not token:
        raise UploadError(_("--upload needs an API token: --token-file FILE or CANHGAC_API_TOKEN"))
    return token


def _multipart(name: str, data: bytes) -> tuple[bytes, str]:
    boundary = "canhgac-" + os.urandom(12).hex()
    safe = name.replace('"', "_").replace("\r", "_").replace("\n", "_")
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{safe}"\r\n'
        "Content-Type: application/json\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _refusal(exc: urllib.error.HTTPError) -> str:
    try:
        said = json.loads(exc.read(64_000).decode("utf-8", "replace"))
        message = str(said["error"]["message"])
    except (ValueError, KeyError, TypeError, OSError):
        message = str(exc.reason)
    return " ".join(message.split())[:500]


def upload(path: Path, url: str, token: str, *, ca_file: Path | None = None) -> dict[str, Any]:
    """Post the result file; the console's answer (host, agency, hits, findings opened and fixed)."""
    target = endpoint(url)
    body, content_type = _multipart(path.name, path.read_bytes())
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked by ``endpoint``
        target,
        data=body,
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": content_type,
            "Accept": "application/json",
            "User-Agent": "canhgac-sweep",
        },
    )
    context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S, context=context) as response:  # noqa: S310
            answer: dict[str, Any] = json.loads(response.read(1_000_000).decode("utf-8"))
            return answer
    except urllib.error.HTTPError as exc:
        raise UploadError(
            _("the console refused the result (HTTP {status}): {message}").format(
                status=exc.code, message=_refusal(exc)
            )
        ) from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, ssl.SSLError):
            raise UploadError(
                _("TLS failure talking to {url}: {reason}").format(url=target, reason=_reason(exc.reason))
            ) from None
        raise UploadError(
            _("cannot reach {url}: {reason}").format(url=target, reason=_reason(exc.reason))
        ) from None
    except ssl.SSLError as exc:
        raise UploadError(
            _("TLS failure talking to {url}: {reason}").format(url=target, reason=_reason(exc))
        ) from None
    except (OSError, ValueError) as exc:
        raise UploadError(_("cannot reach {url}: {reason}").format(url=target, reason=_reason(exc))) from None


def _reason(reason: object) -> str:
    if isinstance(reason, ssl.SSLCertVerificationError):
        return str(reason.verify_message or reason.reason or reason)
    if isinstance(reason, ssl.SSLError):
        return str(reason.reason or reason)
    return " ".join(str(reason).split())[:300]
