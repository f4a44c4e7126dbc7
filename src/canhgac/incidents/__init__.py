"""Incidents (issue 15): the pure rules of an incident's life, without Django.

``model`` holds the value types (states, sources, timeline kinds, parties, link kinds),
``categories`` the form-05 incident types as data, ``lifecycle`` the allowed moves,
``holidays`` and ``clock`` the initial-report deadline (Circular 20/2017, Decision 05/2017),
``mail`` the reading of a ``[TBSC]`` e-mail and ``messages`` the reminder sent through the
watch's channels. The store (``console.store.incident_*``) and ``services.incidents`` use them.
"""
