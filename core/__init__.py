"""channelsim's ground layer: what every other layer builds on.

- :mod:`core.params`: every parameter, with unit, range and source; the supported dates
- :mod:`core.scenarios`: scenario files (the shipped ones are package data here) and overrides
- :mod:`core.population`: the people table, one row a person
- :mod:`core.world`: what the agents act on together (people, ledger, reports, danger)
- :mod:`core.calendar` (the one date parser), :mod:`core.random`, :mod:`core.errors`, :mod:`core.data`
- :mod:`core.files` (atomic writes of results), :mod:`core.versions` (package version and git commit)

Nothing here imports ``agents``, ``model`` or ``experiments``.
"""
