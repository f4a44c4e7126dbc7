"""Service identification probes: one small module per protocol, read-only and bounded.

:func:`~canhgac.engine.service_probes.identify.identify` names the service on an open TCP port
whatever its number and collects what the net.* checks judge. Every probe is read-only: the
only logins ever attempted are anonymous or guest access (FTP anonymous, an SMB null session,
VNC "None", Redis/MongoDB/Elasticsearch/memcached/Docker without credentials) and the
empty-password administrator accounts (MySQL ``root``, PostgreSQL ``postgres``, MSSQL ``sa``);
nothing is written or executed. The readings are :mod:`canhgac.engine.facts.services`.

Nothing is re-exported here: importing a fact or a pure module must not load the probes
(``tests/engine/test_import_boundaries.py``).
"""
