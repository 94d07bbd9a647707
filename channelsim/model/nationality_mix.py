"""The nationality groups' inflow mix from the published mix of arrivals.

``core.nationality_data.with_published_mix`` derives each group's share by year
from ``nationality_arrivals.csv``; those are shares of people *landing*. The
inflow is of people arriving on the coast, and groups differ in how many of
those cross in the end (by the daily choice: a group with poor asylum prospects
crosses less and leaves more). [`inflow_mix`][channelsim.model.nationality_mix.inflow_mix] divides each derived share by
the group's eventual-crossing share
([`agents.migrant.eventual_crossing_share`][channelsim.agents.migrant.eventual_crossing_share],
under the prior beliefs), so that, before any returns or news move beliefs, the
mix landing follows the published one. The constant shares (``nationality_mix =
"constant"``) and shares a scenario gives by year are inflow shares already and
are left as they are.
"""

from __future__ import annotations

from pathlib import Path

from channelsim.agents.migrant import eventual_crossing_share
from channelsim.core.nationality_data import with_published_mix
from channelsim.core.params import Nationality, Params

# A group that almost never crosses would need an unbounded inflow: its conversion is floored (and where
# no group would cross, as with a perceived danger near certain death, the published shares stand).
LEAST_CROSSING_SHARE = 0.02


def inflow_mix(params: Params, data_dir: str | Path | None = None) -> Params:
    """``params`` with the published mix (when ``[inflow] nationality_mix = "published"``) as inflow shares."""
    published = with_published_mix(params, data_dir)
    derived = [not before.shares_by_year and bool(after.shares_by_year)
               for before, after in zip(params.nationalities, published.nationalities, strict=True)]
    if not any(derived):
        return published
    crossing = eventual_crossing_share(published, published.danger.perceived_danger_prior_deaths
                                       / published.danger.perceived_danger_prior_launched)
    most = max(float(crossing.max()), LEAST_CROSSING_SHARE)
    groups = tuple(
        Nationality.model_validate({**g.model_dump(), "shares_by_year": {
            year: min(1.0, share / max(crossing[i], LEAST_CROSSING_SHARE) * most)
            for year, share in g.shares_by_year.items()}}) if derived[i] else g
        for i, g in enumerate(published.nationalities))
    return published.model_copy(update={"nationalities": groups})
