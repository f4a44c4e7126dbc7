"""Log anomaly detection (issue 18): read the logs agencies already have, spot attacks.

Parsers turn lines of web, mail and login logs into :class:`~canhgac.logs.records.LogRecord`
values; detection rules (data files) turn streams of records into
:class:`~canhgac.logs.detection.Detection` values with their evidence; the services layer stores
them as findings and raises watch alerts. This package never imports Django, the console or the
network scanners: it is pure Python plus the standard library's asyncio for following files and
receiving syslog.
"""
