"""What collectors receive: the run's settings, its DNS client and scope, per-target options,
the typed resources collectors share across targets (one web client, one TLS analysis per
endpoint...), all released by :meth:`CollectContext.aclose` when the run ends, and the run's
warnings (:meth:`CollectContext.warn`)."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TypeVar, cast

from canhgac.engine.dns import DnsClient
from canhgac.engine.options import (
    DEFAULT_DEFACEMENT_KEYWORDS,
    DEFAULT_DNSBL_ZONES,
    MailOptions,
    NetworkLimits,
    TargetOptions,
    WebOptions,
)
from canhgac.engine.params import CheckParams
from canhgac.engine.psl import PublicSuffixes
from canhgac.engine.run_warnings import RunWarnings
from canhgac.engine.scope import Scope
from canhgac.engine.settings import ScanSettings

__all__ = [
    "DEFAULT_DEFACEMENT_KEYWORDS",
    "DEFAULT_DNSBL_ZONES",
    "CollectContext",
    "NetworkLimits",
    "RunResources",
    "TargetOptions",
]

R = TypeVar("R")


class RunResources:
    """Per-run resources shared across targets, one per type (the type is the key, so each
    owner module defines a small class for what it keeps and gets it back typed)."""

    def __init__(self) -> None:
        self._by_type: dict[type[object], object] = {}
        self._closers: list[Callable[[], Awaitable[None]]] = []

    def get(self, kind: type[R], make: Callable[[], R]) -> R:
        """The run's ``kind`` resource, made by ``make`` on first use."""
        found = self._by_type.get(kind)
        if found is None:
            found = make()
            self._by_type[kind] = found
        return cast(R, found)

    def on_close(self, closer: Callable[[], Awaitable[None]]) -> None:
        self._closers.append(closer)

    async def aclose(self) -> None:
        """Await every registered closer (latest first); one failing must not keep the others open."""
        closers, self._closers[:] = list(self._closers), []
        for closer in reversed(closers):
            with contextlib.suppress(Exception):
                await closer()
        self._by_type.clear()


@dataclass(frozen=True)
class CollectContext:
    dns: DnsClient
    scope: Scope
    settings: ScanSettings = field(default_factory=ScanSettings)
    public_suffixes: PublicSuffixes = field(default_factory=PublicSuffixes)
    target_options: Mapping[str, TargetOptions] = field(default_factory=dict)
    resources: RunResources = field(default_factory=RunResources, compare=False, repr=False)
    warnings: RunWarnings = field(default_factory=RunWarnings, compare=False, repr=False)

    @classmethod
    def from_settings(cls, settings: ScanSettings) -> CollectContext:
        """A fresh context (and DNS cache) for one run or one shard, with the settings' declared
        target options (a plan's options replace them: :meth:`with_options`).

        Raises :class:`ResolverError` before any packet when a resolver is malformed or outside
        the scope (whatever built these settings: the CLI, a library caller, a stored run).
        """
        resolvers = settings.check_resolvers()
        dns = DnsClient(resolvers, timeout=settings.dns_timeout, attempts=settings.dns_attempts,
                        max_in_flight=settings.dns_max_in_flight)
        return cls(dns=dns, scope=settings.scope.build(), settings=settings,
                   public_suffixes=PublicSuffixes(extra=settings.public_suffixes),
                   target_options=dict(settings.target_options))

    def with_options(self, options: Mapping[str, TargetOptions]) -> CollectContext:
        """The same run (DNS client and cache, resources) with these per-target options."""
        return replace(self, target_options=dict(options))

    @property
    def params(self) -> CheckParams:
        return self.settings.params

    @property
    def net(self) -> NetworkLimits:
        return self.settings.net

    @property
    def mail(self) -> MailOptions:
        return self.settings.mail

    @property
    def web(self) -> WebOptions:
        return self.settings.web

    def warn(self, key: str, text: str) -> None:
        """A warning about the run's set-up, reported once per run whatever the number of
        targets that meet it (``key`` says what it is about)."""
        self.warnings.add(key, text)

    def on_close(self, closer: Callable[[], Awaitable[None]]) -> None:
        """Have ``aclose`` await ``closer`` when the run ends (e.g. a shared HTTP client)."""
        self.resources.on_close(closer)

    async def aclose(self) -> None:
        """Release the run's shared resources: registered closers, then the DNS client's sockets."""
        await self.resources.aclose()
        self.dns.close()

    def options_for(self, target_key: str) -> TargetOptions:
        return self.target_options.get(target_key, TargetOptions())

    def dkim_selectors_for(self, target_key: str) -> tuple[str, ...]:
        declared = self.options_for(target_key).dkim_selectors
        seen: dict[str, None] = dict.fromkeys(declared)
        seen.update(dict.fromkeys(self.mail.dkim_selectors))
        return tuple(seen)
