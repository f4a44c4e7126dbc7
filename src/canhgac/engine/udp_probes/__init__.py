"""Read-only UDP probes of one address: SNMP, NTP, memcached and DNS recursion, one question each.

Every probe goes through :mod:`~canhgac.engine.udp_probes.exchange` (scope guard first, exactly
one datagram from a connected socket, a bounded wait, bounded replies), and every parser is
total — whatever the server sends becomes a fact, never an exception. One module per protocol:

* :mod:`~canhgac.engine.udp_probes.snmp`: a v2c GetRequest for sysDescr.0, community ``public``.
* :mod:`~canhgac.engine.udp_probes.ntp`: a mode-3 client request (never monlist or control).
* :mod:`~canhgac.engine.udp_probes.memcached`: ``stats`` over UDP, and its amplification.
* :mod:`~canhgac.engine.udp_probes.dns_recursion`: does the server recurse for anyone?

:func:`probe_udp_services` (in :mod:`~canhgac.engine.udp_probes.services`) asks all four; the
facts they give are :mod:`canhgac.engine.facts.udp`.

Nothing is re-exported here: importing a fact or a pure module must not load this package's
I/O modules (``tests/engine/test_import_boundaries.py``).
"""
