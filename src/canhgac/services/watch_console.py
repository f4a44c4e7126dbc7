"""The console's and the API's writes to the watch, with their rules: who may, and what a value
may be. Acknowledging an alert is the CSIRT's; editing monitors, accepting a new baseline and
planning or ending maintenance windows, its administrators'. Every row is found through the
viewer's scoped queries first, so another agency's alert or monitor is "not found" (404) before
the role is asked (403). Each write is logged in the security log (``store.watch_edits``; an
acknowledgement, ``store.watch_store.acknowledge``, the path the CLI and the signed link take too).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from canhgac.console.store.queries.viewers import Viewer
from canhgac.console.store.roles import may_acknowledge_alerts, may_edit_watch
from canhgac.i18n import gettext as _
from canhgac.i18n.formats import display_zone
from canhgac.watch.monitors import MIN_INTERVAL, HolidayWindow

MAX_INTERVAL = 86_400.0
MAX_REASON = 300
MAX_NOTE = 500


class WatchNotFoundError(LookupError):
    """No such alert, monitor or window among those the viewer may see."""


class WatchForbiddenError(PermissionError):
    """The viewer's role may not do this."""


class WatchRefusedError(ValueError):
    """A value cannot be used; the message says what to change, ``field`` names the form field."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _clean(text: str, limit: int) -> str:
    if "\x00" in text:
        raise WatchRefusedError(_("the text holds a NUL byte"))
    return text.strip()[:limit]


def acknowledge(
    viewer: Viewer, alert_id: int, *, note: str, address: str, channel: str = "console", via: str = "session"
) -> bool:
    """Acknowledge an alert the viewer may see (``channel``: console or api; ``via``: session or
    token:ID); False when it had been acknowledged already (nothing changed, nothing logged)."""
    from canhgac.console.store import queries, watch_store

    if not -(2**63) <= alert_id < 2**63 or queries.watch_alert(viewer.scope, alert_id) is None:
        raise WatchNotFoundError(alert_id)
    if not may_acknowledge_alerts(viewer.role):
        raise WatchForbiddenError(_("your role may not acknowledge alerts"))
    done = watch_store.acknowledge(
        alert_id,
        actor=viewer.username,
        note=_clean(note, MAX_NOTE),
        channel=channel,
        via=via,
        address=address,
    )
    return done.changed


def _monitor(viewer: Viewer, monitor_id: int) -> Any:
    from canhgac.console.store import queries

    found = queries.watch_monitor(viewer.scope, monitor_id)
    if found is None:
        raise WatchNotFoundError(monitor_id)
    if not may_edit_watch(viewer.role):
        raise WatchForbiddenError(_("only the CSIRT's administrators may change the watch"))
    return found


def parse_interval(raw: str, field: str) -> float:
    try:
        value = float(raw.strip().replace(",", "."))
    except ValueError:
        value = -1.0
    if not MIN_INTERVAL <= value <= MAX_INTERVAL:
        raise WatchRefusedError(
            _("an interval is a number of seconds from {low} to {high}").format(
                low=int(MIN_INTERVAL), high=int(MAX_INTERVAL)
            ),
            field,
        )
    return value


def parse_local(raw: str, field: str) -> datetime | None:
    """A form's date and time (``2027-02-06T22:00``, Vietnam's clock unless an offset is given);
    None when empty."""
    text = raw.strip()
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise WatchRefusedError(
            _("'{value}' is not a date and time; write it like 2027-02-06T22:00").format(value=text[:40]),
            field,
        ) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=display_zone())


def holiday_from(form: Mapping[str, str], interval: float) -> HolidayWindow | None:
    start = parse_local(form.get("holiday_start", ""), "holiday_start")
    end = parse_local(form.get("holiday_end", ""), "holiday_end")
    if start is None and end is None:
        return None
    if start is None or end is None or end <= start:
        raise WatchRefusedError(
            _("a holiday window needs its start and its end, the end after the start"), "holiday_end"
        )
    raw = form.get("holiday_interval", "").strip()
    return HolidayWindow(start, end, parse_interval(raw, "holiday_interval") if raw else interval)


def edit_monitor(
    viewer: Viewer, monitor_id: int, form: Mapping[str, str], *, address: str, via: str = "session"
) -> dict[str, tuple[Any, Any]]:
    """Set a monitor's enabled flag, interval and holiday window from a form's values."""
    from canhgac.console.store import watch_edits

    row = _monitor(viewer, monitor_id)
    interval = parse_interval(form.get("interval", ""), "interval")
    holiday = holiday_from(form, interval)
    enabled = form.get("enabled", "") in ("1", "on", "true")
    return watch_edits.edit_monitor(
        row.pk,
        enabled=enabled,
        interval=interval,
        holiday=holiday,
        actor=viewer.username,
        address=address,
        via=via,
    )


def accept_baseline(
    viewer: Viewer, monitor_id: int, *, address: str, via: str = "session"
) -> tuple[str, ...]:
    from canhgac.console.store import watch_edits

    row = _monitor(viewer, monitor_id)
    try:
        return watch_edits.accept_baseline(row.pk, actor=viewer.username, address=address, via=via)
    except watch_edits.NothingToAcceptError:
        raise WatchRefusedError(
            _("this monitor's state is not a change against its baseline: there is nothing to accept")
        ) from None


def add_maintenance(
    viewer: Viewer,
    *,
    start: datetime | None,
    end: datetime | None,
    agency: str = "",
    monitor: str = "",
    reason: str = "",
    address: str,
    via: str = "session",
    now: datetime,
) -> int:
    """Plan a window for every agency, one agency or one monitor (its id or key); its id."""
    from canhgac.console.store import queries, watch_edits

    if not may_edit_watch(viewer.role):
        raise WatchForbiddenError(_("only the CSIRT's administrators may change the watch"))
    agency, monitor, reason = _clean(agency, 64), _clean(monitor, 700), _clean(reason, MAX_REASON)
    if start is None or end is None:
        raise WatchRefusedError(_("give the window's start and end"), "start" if start is None else "end")
    if start.tzinfo is None or end.tzinfo is None:
        raise WatchRefusedError(
            _("a date and time needs its time zone, e.g. 2027-02-06T22:00+07:00"), "start"
        )
    if end <= start:
        raise WatchRefusedError(_("the window must end after it starts"), "end")
    if end <= now:
        raise WatchRefusedError(_("the window ends in the past: nothing would be held back"), "end")
    if end - start > timedelta(days=60):
        raise WatchRefusedError(_("a maintenance window lasts at most 60 days"), "end")
    key = ""
    if monitor:
        found = (
            queries.watch_monitor(viewer.scope, int(monitor))
            if monitor.isascii() and monitor.isdigit() and len(monitor) < 19
            else queries.watch_monitor_by_key(viewer.scope, monitor)
        )
        if found is None:
            raise WatchRefusedError(
                _("there is no monitor {monitor}").format(monitor=monitor[:80]), "monitor"
            )
        if agency and agency != found.agency_code:
            raise WatchRefusedError(
                _("monitor {monitor} is not agency {agency}'s").format(monitor=found.target, agency=agency),
                "monitor",
            )
        key, agency = found.key, found.agency_code
    elif agency and queries.agency_by_code(viewer.scope, agency) is None:
        raise WatchRefusedError(_("there is no agency {agency}").format(agency=agency), "agency")
    window = watch_edits.add_maintenance_logged(
        start=start,
        end=end,
        agency=agency,
        monitor=key,
        reason=reason,
        actor=viewer.username,
        address=address,
        via=via,
    )
    return window.pk


def end_maintenance(viewer: Viewer, window_id: int, *, address: str, via: str = "session") -> bool:
    from canhgac.console.store import queries, watch_edits

    if queries.maintenance_window(viewer.scope, window_id) is None:
        raise WatchNotFoundError(window_id)
    if not may_edit_watch(viewer.role):
        raise WatchForbiddenError(_("only the CSIRT's administrators may change the watch"))
    return watch_edits.end_maintenance(window_id, actor=viewer.username, address=address, via=via)
