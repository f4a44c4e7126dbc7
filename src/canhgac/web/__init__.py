"""The web console: canhgac's pages, served by ``canhgac serve`` (docs/console.md).

A front end like the CLI: its views read through ``canhgac.services`` and the scoped
``console.store.queries`` with the logged-in user's scope, and render Jinja2 templates
translated with canhgac's own gettext catalogue. Django loads it from the settings
(``canhgac.console.settings``: the app, its URLs, middleware and template environment).
"""
