"""The web layer shared by the portal checks: one bounded, polite, scope-guarded HTTP client per run."""

from canhgac.engine.web.fetch import WebClient
from canhgac.engine.web.response import REDIRECT_STATUSES, FetchError, WebResponse

__all__ = ["REDIRECT_STATUSES", "FetchError", "WebClient", "WebResponse"]
