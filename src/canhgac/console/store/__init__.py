"""The findings store: agencies and assets, scan runs, results, findings and their history.

Writes go through ``services``, reads through ``queries``; import both only after
``canhgac.console.bootstrap.setup_django``.
"""
