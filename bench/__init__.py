"""Benchmarks, run on demand (python3 scripts/dev.py bench ...); figures go to docs/benchmarks.md.

One module per benchmark (mail_domains, mail_servers, web_portals, ports), its lab process(es)
(*_proc.py) and, where it is long, its verdicts and report (mail_verdicts, web_verdicts,
web_report). What they share: harness (options, work directory, inventory), lab_procs (starting
and stopping the lab's processes), measure (a tool's measured run), tools (the tools' command
lines) and tool_outputs (reading what they wrote), agreement (two tools' verdicts compared),
lab_tls (the lab servers' TLS profiles), report_md (the markdown section).
"""
