"""The typed settings of sharded execution: which broker, which queue, how big a shard, how long
a shard may run. Built at the edge from the environment (:meth:`BrokerSettings.from_env`) and
passed down; with ``CANHGAC_BROKER_URL`` unset there are none and scans run in-process.

Environment (each optional but the first):

- ``CANHGAC_BROKER_URL``: ``redis://host:6379/0`` (or ``rediss://``, ``amqp://`` for RabbitMQ)
- ``CANHGAC_RESULT_BACKEND``: none (the default: progress and results go through the store) or a
  ``redis://`` URL, for operators who want Celery's own task states
- ``CANHGAC_QUEUE``: the queue shards go to and workers read (default ``canhgac``)
- ``CANHGAC_BROKER_KEY_PREFIX``: a prefix of every Redis key (several deployments on one Redis)
- ``CANHGAC_SHARD_TARGETS``: targets per shard (default 50)
- ``CANHGAC_SHARD_TIME_LIMIT``: seconds a shard may run (soft limit; the hard one is 60 s later)
- ``CANHGAC_BROKER_VISIBILITY_TIMEOUT``: seconds after which Redis redelivers a shard whose
  worker took it and never acknowledged it (a worker killed outright); keep it above the time
  limit so a slow shard is not run twice at once (twice is still safe: writes are idempotent)
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from canhgac.i18n import gettext as _

BROKER_SCHEMES = ("redis", "rediss", "amqp", "amqps", "pyamqp")
BACKEND_SCHEMES = ("redis", "rediss")
_ENV = {
    "broker_url": "CANHGAC_BROKER_URL",
    "result_backend": "CANHGAC_RESULT_BACKEND",
    "queue": "CANHGAC_QUEUE",
    "key_prefix": "CANHGAC_BROKER_KEY_PREFIX",
    "shard_targets": "CANHGAC_SHARD_TARGETS",
    "time_limit": "CANHGAC_SHARD_TIME_LIMIT",
    "visibility_timeout": "CANHGAC_BROKER_VISIBILITY_TIMEOUT",
}


class BrokerSettingsError(ValueError):
    """An environment value of sharded execution is wrong; the message names the variable."""


class BrokerSettings(BaseModel):
    """How scans are sharded over Celery workers."""

    model_config = ConfigDict(frozen=True)

    broker_url: str
    result_backend: str | None = None
    queue: str = Field(default="canhgac", min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$")
    key_prefix: str = Field(default="", max_length=100)
    shard_targets: int = Field(default=50, ge=1, le=100_000)
    time_limit: float = Field(default=3600.0, gt=0)
    visibility_timeout: float = Field(default=7200.0, gt=0)
    poll_seconds: float = Field(default=0.5, gt=0)  # how often the coordinator reads progress

    @field_validator("broker_url")
    @classmethod
    def _broker(cls, value: str) -> str:
        if urlsplit(value).scheme not in BROKER_SCHEMES:
            raise ValueError(f"a broker URL starts with {', '.join(s + '://' for s in BROKER_SCHEMES)}")
        return value

    @field_validator("result_backend")
    @classmethod
    def _backend(cls, value: str | None) -> str | None:
        if value in (None, "", "none"):
            return None
        if urlsplit(value).scheme not in BACKEND_SCHEMES:
            raise ValueError("the result backend is none or a redis:// URL")
        return value

    @property
    def is_redis(self) -> bool:
        return urlsplit(self.broker_url).scheme in ("redis", "rediss")

    @property
    def hard_time_limit(self) -> float:
        """When the worker kills a shard that ignored its soft limit."""
        return self.time_limit + 60

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> BrokerSettings | None:
        """The settings the environment gives; None without ``CANHGAC_BROKER_URL`` (in-process).
        A wrong value is :class:`BrokerSettingsError`, one line naming the variable."""
        if not environ.get(_ENV["broker_url"], "").strip():
            return None
        values = {field: environ[var].strip() for field, var in _ENV.items() if environ.get(var, "").strip()}
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            error = exc.errors()[0]
            field = str(error["loc"][0]) if error["loc"] else "broker_url"
            raise BrokerSettingsError(_("{variable}: {problem}").format(
                variable=_ENV.get(field, field), problem=error["msg"])) from None
