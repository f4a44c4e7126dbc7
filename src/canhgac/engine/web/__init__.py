"""The web layer shared by the portal checks: one bounded, polite, scope-guarded HTTP client per run."""

from canhgac.engine.web.fetch import FetchError, WebClient, WebResponse

__all__ = ["FetchError", "WebClient", "WebResponse"]
