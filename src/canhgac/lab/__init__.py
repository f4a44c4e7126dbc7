"""The built-in demo lab: real protocol servers on loopback, deliberately misconfigured.

Start the demo province's DNS with :func:`start_lab`; build single servers for tests with
:class:`~canhgac.lab.dns_server.LabDnsServer` and :class:`~canhgac.lab.dns_server.LabDnsCluster`.
The names below load on first use, so that importing one lab module (``canhgac.lab.netns``
for every CLI start) does not start up the whole lab.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from canhgac.lab.runtime import Lab, start_lab

__all__ = ["Lab", "start_lab"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from canhgac.lab import runtime

        return getattr(runtime, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
