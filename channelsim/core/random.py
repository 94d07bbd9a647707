"""Random streams: one per mechanism, all derived from the run's one seed.

Each mechanism (inflow, weather, choice, enforcement, ...) draws from its own
generator, keyed by the mechanism's name (a CRC of the name, so adding a stream
shifts no other and the keys are the same in every process). Two scenarios run
with the same seed therefore share every draw that the policy does not touch:
common random numbers.

Where the number of draws a mechanism makes depends on the policy (how many
people arrive or choose today), [`RandomStreams.daily`][channelsim.core.random.RandomStreams.daily] gives a generator
keyed by the mechanism *and the day*, so a difference on one day does not shift
the draws of all later days.
"""

from __future__ import annotations

import zlib

import numpy as np

from channelsim.core.errors import ChannelsimError

SeedLike = int | np.integer | np.random.SeedSequence | None


def seed_or_rng(seed: SeedLike, rng: SeedLike) -> SeedLike:
    """The one seed of a call that accepts ``seed=`` and ``rng=`` alike (``run`` and ``ChannelModel`` both
    take either); a ChannelsimError if both are given."""
    if seed is not None and rng is not None:
        from channelsim.core.errors import ChannelsimError

        raise ChannelsimError(f"give seed= or rng=, not both (seed={seed!r}, rng={rng!r}).")
    return rng if seed is None else seed


def _name_key(name: str) -> int:
    return zlib.crc32(name.encode())


class RandomStreams:
    """Named, independent generators from one seed."""

    def __init__(self, seed: SeedLike | str = None):
        if isinstance(seed, str):  # a seed typed into a form
            try:
                seed = int(seed.strip())
            except ValueError:
                raise ChannelsimError(f"the seed must be a whole number, not {seed!r}.") from None
        if isinstance(seed, np.random.SeedSequence):
            self.root = seed
        else:
            self.root = np.random.SeedSequence(None if seed is None else int(seed))
        self.seed = self.root.entropy  # recorded so that any run can be repeated
        self._streams: dict[str, np.random.Generator] = {}
        self._daily: dict[str, tuple] = {}

    def _child(self, name: str) -> np.random.SeedSequence:
        return np.random.SeedSequence(self.root.entropy, spawn_key=(*self.root.spawn_key, _name_key(name)))

    def stream(self, name: str) -> np.random.Generator:
        """The persistent generator of a mechanism."""
        gen = self._streams.get(name)
        if gen is None:
            gen = self._streams[name] = np.random.Generator(np.random.PCG64(self._child(name)))
        return gen

    def daily(self, name: str, day: int) -> np.random.Generator:
        """A generator for one mechanism on one day, independent of other days.

        Philox is a keyed bijection: a distinct key (the mechanism's, plus the
        day) gives an independent stream. Each mechanism keeps one generator and
        re-keys it (a fresh Philox's state: the day's key, counter and buffer
        empty), which draws exactly what a new ``Philox(key=...)`` would at a
        sixth of the cost; so the generator of a day is valid until the same
        mechanism's next call.

        The key is two exact 64-bit words. (Until November 2026 it was passed
        to Philox as a list of Python ints, which numpy converts through float64
        when a word exceeds 2**63: the low bits were lost, and for about half of
        the seeds neighbouring days drew the same numbers.)
        """
        daily = self._daily.get(name)
        if daily is None:
            key = self._child("daily:" + name).generate_state(2, np.uint64)
            bits = np.random.Philox(key=key)
            daily = self._daily[name] = (int(key[0]), int(key[1]), bits, np.random.Generator(bits), bits.state)
        first, second, bits, generator, state = daily
        state["state"] = {"counter": np.zeros(4, dtype=np.uint64),
                          "key": np.array([first, (second + day) % 2**64], dtype=np.uint64)}
        bits.state = state
        return generator
