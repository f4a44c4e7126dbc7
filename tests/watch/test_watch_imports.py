"""The watch's layering: no Django anywhere in ``canhgac.watch`` (the store is a protocol the
console implements), and its pure modules (judge, rules, grouping, scheduler...) load no
network stack: only ``canhgac.watch.probes`` does I/O."""

from __future__ import annotations

import pytest

from import_boundaries import ENGINE_IO, loaded_violations


def test_the_watch_never_loads_django() -> None:
    assert loaded_violations("canhgac.watch", ("django", "canhgac.console", "canhgac.services")) == {}


# (from_inventory is pure too, but the inventory package it reads loads the engine's discovery)
@pytest.mark.parametrize(
    "module",
    ["canhgac.watch.scheduler", "canhgac.watch.labels", "canhgac.watch.delivery", "canhgac.watch.roster",
     "canhgac.watch.messages", "canhgac.watch.channel_config", "canhgac.watch.page_worker"],
)
def test_pure_modules_load_no_network_stack(module: str) -> None:
    # (the page worker's process imports only what it runs: no client, no socket of the engine)
    # the scheduler is asyncio code, and importing asyncio loads the standard ssl module
    assert loaded_violations(module, [m for m in ENGINE_IO if m != "ssl"]) == {}


def test_the_probes_do_load_the_engines_clients() -> None:
    """The rule can fail: the probes module is where the engine's clients come in."""
    found = loaded_violations("canhgac.watch.probes", ENGINE_IO)
    assert "canhgac.engine.web.fetch" in found["canhgac.watch.probes"]


def test_the_delivery_loop_loads_no_channel_client() -> None:
    """The clients (smtplib, apprise, httpx) come in with ``senders`` only."""
    clients = ("smtplib", "apprise", "httpx")
    assert loaded_violations("canhgac.watch.delivery", clients) == {}
    assert "smtplib" in loaded_violations("canhgac.watch.senders", clients)["canhgac.watch.senders"]
