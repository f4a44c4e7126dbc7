"""The web layer shared by the portal checks: one bounded, polite, scope-guarded HTTP client per run."""
