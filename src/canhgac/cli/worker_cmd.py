"""``canhgac worker``: a Celery worker that runs the shards of sharded scans (docs/scale.md).

It reads the broker from ``CANHGAC_BROKER_URL`` (and the other ``CANHGAC_*`` settings of
``services.broker_settings``) and writes results to the store the global options name
(``--database-url`` / ``CANHGAC_DATABASE_URL``: PostgreSQL at scale). The store is opened and
migrated before the pool starts, and its connection closed, so no pool process shares it.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from canhgac.cli.common import fail, open_store, state
from canhgac.i18n import N_
from canhgac.i18n import gettext as _
from canhgac.services.broker_settings import BrokerSettings, BrokerSettingsError

HELP = N_("Run a worker for sharded scans: it takes shards from the broker (CANHGAC_BROKER_URL) and "
          "stores their results.")
LOG_LEVELS = ("debug", "info", "warning", "error")


def worker(
    ctx: typer.Context,
    concurrency: Annotated[int, typer.Option(min=1, max=512, help=N_("Shards run at once (worker processes; default: the machine's cores)"))] = os.cpu_count() or 1,
    queue: Annotated[list[str] | None, typer.Option("--queue", help=N_("Queue to read (repeatable; default: CANHGAC_QUEUE or canhgac)"))] = None,
    loglevel: Annotated[str, typer.Option(help=N_("Log level of the worker: debug, info, warning or error"))] = "info",
) -> None:
    """Run a worker for sharded scans: it takes shards from the broker (CANHGAC_BROKER_URL) and
    stores their results."""
    st = state(ctx)
    if loglevel not in LOG_LEVELS:
        raise fail(_("--loglevel is one of {levels}").format(levels=", ".join(LOG_LEVELS)))
    try:
        settings = BrokerSettings.from_env(os.environ)
    except BrokerSettingsError as exc:
        raise fail(str(exc)) from None
    if settings is None:
        raise fail(_("CANHGAC_BROKER_URL is not set: a worker needs the broker the scans send shards to "
                     "(e.g. redis://127.0.0.1:6379/0)"))
    queues = tuple(dict.fromkeys(q.strip() for q in queue or () if q.strip())) or (settings.queue,)
    open_store(st, writable=True, create=True)
    from canhgac.services.celery_app import start_worker

    start_worker(settings, concurrency=concurrency, queues=queues, loglevel=loglevel)
