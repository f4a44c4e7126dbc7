"""Logins visible in web access logs: which requests are a webmail (or site) login, and whether
the answer says it succeeded.

An access log does not carry the form's fields, only the request and the status, so this knows
the login endpoints of the webmail agencies run and how each answers:

- Roundcube: ``POST /?_task=login``: ``302`` to the mailbox on success, ``401`` on a failure
  (Roundcube answers a failed login with 401 since 1.4; older ones re-show the form: ``200``).
- SOGo: ``POST /SOGo/connect``: ``200`` on success, ``403`` on failure.
- Outlook on the web (IIS logs, which carry the account): ``POST /owa/auth.owa`` answers ``302``
  either way; the redirect to the mailbox carries the signed-in user in ``cs-username``, the
  redirect back to the logon page does not.
- WordPress: ``POST /wp-login.php``: ``302`` on success, ``200`` (the form again) on failure.
- HTTP basic authentication: a ``401`` to a request that sent a user name.

Anything else is an ordinary request (``http.request``).
"""

from __future__ import annotations

from canhgac.logs.records import LogEvent

WEBMAIL = "webmail"


def classify(
    method: str, target: str, status: int, user: str, *, iis: bool = False
) -> tuple[LogEvent, str] | None:
    """``(event, service)`` when the request is a login attempt, else None. ``user`` is the
    user the log names (``""`` for none); ``iis``: the log is IIS's, whose user field tells an
    OWA login's outcome."""
    if method == "POST":
        path, _, query = target.partition("?")
        low = path.lower()
        if "_task=login" in query and (status == 401 or status == 302 or status == 200):
            return (LogEvent.AUTH_SUCCESS if status == 302 else LogEvent.AUTH_FAILURE), WEBMAIL
        if iis and status == 302 and low.endswith("/owa/auth.owa"):
            return (LogEvent.AUTH_SUCCESS if user else LogEvent.AUTH_FAILURE), WEBMAIL
        if low.endswith("/sogo/connect") and (status == 200 or status == 403):
            return (LogEvent.AUTH_SUCCESS if status == 200 else LogEvent.AUTH_FAILURE), WEBMAIL
        if low.endswith("/wp-login.php") and (status == 200 or status == 302):
            return (LogEvent.AUTH_SUCCESS if status == 302 else LogEvent.AUTH_FAILURE), "wordpress"
    if status == 401 and user:
        return LogEvent.AUTH_FAILURE, "http-basic"
    return None
