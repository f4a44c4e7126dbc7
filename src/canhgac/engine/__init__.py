"""The scanning engine: pure asyncio, never imports the web framework.

Targets go in, typed results come out. Collectors do the network I/O once per target
per run and return immutable facts; checks are pure functions from facts to outcomes.
"""
