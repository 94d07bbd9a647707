"""channelsim's ground layer: what every other layer builds on.

- [`core.params`][channelsim.core.params]: every parameter, with unit, range and source; the supported dates
- [`core.scenarios`][channelsim.core.scenarios]: scenario files (the shipped ones are package data here) and overrides
- [`core.population`][channelsim.core.population]: the people table, one row a person
- [`core.world`][channelsim.core.world]: what the agents act on together (people, ledger, reports, danger)
- [`core.calendar`][channelsim.core.calendar] (the one date parser), [`core.random`][channelsim.core.random],
[`core.errors`][channelsim.core.errors], [`core.data`][channelsim.core.data]
- [`core.files`][channelsim.core.files] (atomic writes of results), [`core.versions`][channelsim.core.versions] (package
version and git commit)

Nothing here imports ``agents``, ``model`` or ``experiments``.
"""
