"""The Celery app of sharded scans: made from :class:`BrokerSettings`, never at import time.

Why here and not in the engine: a shard task writes to the store (Django), which the engine
must never import; the engine only offers the executor interface and plans that travel as JSON.
Celery itself is imported only by this module, the coordinator (``celery_executor``) and the
``canhgac worker`` command, so the default, embedded set-up never loads it.

Delivery guarantees, chosen for shards that may be killed half-way:

- ``acks_late`` + ``reject_on_worker_lost``: a shard's message is acknowledged when its task
  ends, so a worker process killed mid-shard leaves it to the broker, which redelivers it (at
  once when a pool process dies; after the visibility timeout when the whole worker does);
- prefetch 1: a worker holds no shard it is not running (none stranded behind a slow one);
- a soft time limit (the rest of the shard becomes ``error`` results) and a hard one after it;
- retries with back-off when the store is away (a redelivered or retried shard resumes from
  the targets its row says are done; every write is an upsert, so nothing is written twice);
- no result backend by default: progress and results travel through the store.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from canhgac.services.broker_settings import BrokerSettings

if TYPE_CHECKING:
    from celery import Celery

SHARD_TASK = "canhgac.scan_shard"
MAX_RETRIES = 5
log = logging.getLogger(__name__)


def make_app(settings: BrokerSettings) -> Celery:
    """A Celery app for these settings, with the shard task registered."""
    from celery import Celery

    app = Celery("canhgac", broker=settings.broker_url, backend=settings.result_backend, set_as_current=False)
    transport: dict[str, Any] = {"visibility_timeout": settings.visibility_timeout}
    if settings.is_redis:
        # look for shards whose worker died (unacknowledged past the visibility timeout) every
        # quarter of that timeout, at most every 10 s: kombu's default sweep is every 100 s
        transport |= {"unacked_restore_interval": max(1, min(10, round(settings.visibility_timeout / 4))),
                      "unacked_restore_throttle": 1}
        if settings.key_prefix:
            transport["global_keyprefix"] = settings.key_prefix
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,
        task_soft_time_limit=settings.time_limit,
        task_time_limit=settings.hard_time_limit,
        task_ignore_result=settings.result_backend is None,
        task_default_queue=settings.queue,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        broker_transport_options=transport,
        result_backend_transport_options=transport,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
    )
    app.task(name=SHARD_TASK, bind=True, max_retries=MAX_RETRIES)(_shard_task)
    return app


def _shard_task(task: Any, message: dict[str, Any]) -> str:
    """The task: run one shard (``shard_task.run_shard``); retried when the store is away."""
    from django.db import Error as DatabaseError

    from canhgac.services import store
    from canhgac.services.catalog import builtin_registry
    from canhgac.services.shard_task import ShardMessage, run_shard

    store.connect_store()  # the worker's environment names the store (``canhgac worker`` sets it)
    shard = ShardMessage.model_validate(message)
    try:
        return asyncio.run(run_shard(shard, builtin_registry()))
    except DatabaseError as exc:
        if task.request.retries < MAX_RETRIES:
            log.warning("run %s shard %s: the store failed (%s), retrying", shard.run_id, shard.index, exc)
            raise task.retry(exc=exc, countdown=min(2 ** task.request.retries, 60)) from exc
        _give_up(shard, exc)
        raise
    except Exception as exc:  # a time limit, a bug: settle the shard rather than leave it running
        _give_up(shard, exc)
        raise


def _give_up(shard: Any, exc: Exception) -> None:
    from django.db import Error as DatabaseError

    from canhgac.services.shard_task import fail_shard

    try:
        fail_shard(shard.run_id, shard.index, shard.plan, f"{type(exc).__name__}: {exc}")
    except DatabaseError:  # the store still away: the coordinator settles it when it goes stale
        log.exception("run %s shard %s could not be settled as failed", shard.run_id, shard.index)


def start_worker(settings: BrokerSettings, *, concurrency: int, queues: Sequence[str], loglevel: str) -> None:
    """Run a Celery worker (prefork pool of ``concurrency`` processes) on ``queues`` until it is
    stopped; the store must be configured (``store.open_store``). Its connection is closed first,
    so that no pool process shares it."""
    from django.db import connections

    connections.close_all()
    make_app(settings).worker_main([
        "worker", f"--concurrency={concurrency}", f"--queues={','.join(queues)}",
        f"--loglevel={loglevel.upper()}",
        f"--hostname=canhgac-{os.getpid()}@%h", "--pool=prefork", "--without-gossip", "--without-mingle",
    ])


def send_shard(app: Celery, message: dict[str, Any], queue: str) -> str:
    """Enqueue one shard; returns its task id."""
    return str(app.send_task(SHARD_TASK, args=[message], queue=queue).id)
