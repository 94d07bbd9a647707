"""Sweeps: many runs of the model, designed, executed, stored and analysed.

- [`design`][channelsim.experiments.sweeps.design]: a sweep file validated and expanded into runs
  ([`RunSpec`][channelsim.experiments.sweeps.design.RunSpec], plain data); the shipped sweep
  files are the ``*.toml`` beside it;
- [`runner`][channelsim.experiments.sweeps.runner]: one run, plain data in and out;
- [`execute`][channelsim.experiments.sweeps.execute]: running a list of runs on Dask (local,
  a scheduler, SLURM or PBS) or serially, resuming what is stored;
- [`store`][channelsim.experiments.sweeps.store]: the Parquet folder results are written to as runs finish;
- [`analysis`][channelsim.experiments.sweeps.analysis]: summaries, deterrence, Sobol and Morris indices, PRIM.
"""
