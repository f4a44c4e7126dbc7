"""Every read of stored data, each taking the viewer's scope (:class:`ViewerScope`).

Pages, downloads, API calls, reports and the CLI read through these functions only, so what
an agency officer may see is decided here, once. Import after
``canhgac.console.bootstrap.setup_django``.
"""

from canhgac.console.store.queries.agencies import (
    active_agency_codes,
    agencies,
    agency_by_code,
    agency_names,
    declared_assets,
)
from canhgac.console.store.queries.assets import HostService, host_services, open_ports_baseline
from canhgac.console.store.queries.events import events
from canhgac.console.store.queries.finding_filter import (
    FindingFilter,
    FindingSort,
    FindingWindow,
    filtered_findings,
    findings_window,
)
from canhgac.console.store.queries.finding_history import (
    FindingHistory,
    LifecycleStep,
    TriageStep,
    finding_history,
)
from canhgac.console.store.queries.findings import (
    MIN_PREFIX,
    OPEN_LIFECYCLES,
    AmbiguousFingerprintError,
    ChangedFinding,
    FindingChanges,
    FindingNotFoundError,
    change_summary,
    finding_by_fingerprint,
    findings,
    findings_by_fingerprints,
    open_findings,
    open_findings_per_agency,
)
from canhgac.console.store.queries.incidents import incident, incidents, incidents_linked
from canhgac.console.store.queries.inventory_documents import (
    applied_inventories,
    applied_inventory,
    checked_inventory,
)
from canhgac.console.store.queries.launches import (
    all_runs,
    launch_by_id,
    launches,
    launches_ahead,
    launches_of_runs,
    open_launches,
    run_change_counts,
)
from canhgac.console.store.queries.results import current_results, results_of_run
from canhgac.console.store.queries.runs import (
    REPORTABLE,
    StateRun,
    latest_finished_run,
    latest_province,
    latest_reportable_run,
    latest_run_of,
    previous_finished_run,
    reportable_runs,
    run_by_id,
    run_target_counts,
    state_runs,
)
from canhgac.console.store.queries.scope import ViewerScope
from canhgac.console.store.queries.stamp import state_stamp
from canhgac.console.store.queries.trend import BEFORE as TRANSITIONS_BEFORE
from canhgac.console.store.queries.trend import TransitionCount, finding_transitions
from canhgac.console.store.queries.watch import (
    alert_history,
    duty_shifts,
    duty_sources,
    maintenance_window,
    maintenance_windows,
    monitor_keys_of,
    watch_alert,
    watch_alerts,
    watch_deliveries,
    watch_delivery,
    watch_monitor,
    watch_monitor_by_key,
    watch_monitors,
)

__all__ = [
    "MIN_PREFIX",
    "OPEN_LIFECYCLES",
    "REPORTABLE",
    "TRANSITIONS_BEFORE",
    "AmbiguousFingerprintError",
    "ChangedFinding",
    "FindingChanges",
    "FindingFilter",
    "FindingHistory",
    "FindingNotFoundError",
    "FindingSort",
    "FindingWindow",
    "HostService",
    "LifecycleStep",
    "StateRun",
    "TransitionCount",
    "TriageStep",
    "ViewerScope",
    "active_agency_codes",
    "agencies",
    "agency_by_code",
    "agency_names",
    "alert_history",
    "all_runs",
    "applied_inventories",
    "applied_inventory",
    "change_summary",
    "checked_inventory",
    "current_results",
    "declared_assets",
    "duty_shifts",
    "duty_sources",
    "events",
    "filtered_findings",
    "finding_by_fingerprint",
    "finding_history",
    "finding_transitions",
    "findings",
    "findings_by_fingerprints",
    "findings_window",
    "host_services",
    "incident",
    "incidents",
    "incidents_linked",
    "latest_finished_run",
    "latest_province",
    "latest_reportable_run",
    "latest_run_of",
    "launch_by_id",
    "launches",
    "launches_ahead",
    "launches_of_runs",
    "maintenance_window",
    "maintenance_windows",
    "monitor_keys_of",
    "open_findings",
    "open_findings_per_agency",
    "open_launches",
    "open_ports_baseline",
    "previous_finished_run",
    "reportable_runs",
    "results_of_run",
    "run_by_id",
    "run_change_counts",
    "run_target_counts",
    "state_runs",
    "state_stamp",
    "watch_alert",
    "watch_alerts",
    "watch_deliveries",
    "watch_delivery",
    "watch_monitor",
    "watch_monitor_by_key",
    "watch_monitors",
]
