"""The built-in demo lab: real protocol servers on loopback, deliberately misconfigured.

Start the demo province's DNS with :func:`start_lab`; build single servers for tests with
:class:`~canhgac.lab.dns_server.LabDnsServer` and :class:`~canhgac.lab.dns_server.LabDnsCluster`.
"""

from canhgac.lab.runtime import Lab, start_lab

__all__ = ["Lab", "start_lab"]
