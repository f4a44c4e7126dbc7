"""The holiday watch (issue 14): monitors of the inventory's assets, one scheduler, alert rules.

Layout (the same discipline as the engine: pure judgement apart from I/O; no Django here):

- :mod:`.monitors` — what is watched (data), built from the inventory (:mod:`.from_inventory`);
- :mod:`.facts` — what one probe observed (frozen values); :mod:`.probes` gathers them through
  the engine's own HTTP, TLS, DNS and SMTP clients and scope guard (the only I/O module);
- :mod:`.fingerprint`, :mod:`.judge` — pure: a page's fingerprint, a probe's facts judged
  against the monitor's baseline; :mod:`.page_worker` computes new pages' fingerprints in a
  process of its own, off the event loop;
- :mod:`.rules`, :mod:`.grouping`, :mod:`.severity` — pure alert rules: consecutive failures,
  recovery, flapping, maintenance, grouping by common cause, severity;
- :mod:`.clock`, :mod:`.scheduler` — the asyncio scheduler and its injected clock;
- :mod:`.leases` (pure), :mod:`.lease_keeper`, :mod:`.lease_memory` — several watch processes on
  one store: monitors partitioned, each partition leased to one process, commits fenced by the
  lease's token (the Django table is ``canhgac.console.store.watch_leases``);
- :mod:`.state` — the store protocol the scheduler writes through (the Django implementation
  is ``canhgac.console.store.watch_store``) and an in-memory one for tests;
- :mod:`.channel_config` — the ``[watch]`` table (channels, recipients, retries, escalation);
  :mod:`.messages` — an alert said to a person (pure); :mod:`.outgoing` — a message for one
  address and how a send fails; :mod:`.senders` — the channels' clients (e-mail, Telegram
  through apprise, webhook: the only other I/O module);
- :mod:`.delivery` — the delivery loop over a persistent outbox (the Django store is
  ``canhgac.console.store.delivery_store``): leases, retries with back-off;
- :mod:`.roster` — the duty roster's CSV and who must be told by when (escalation), pure.
"""
