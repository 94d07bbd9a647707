"""Sweeps: many runs of the model, designed, executed, stored and analysed.

- :mod:`~experiments.sweeps.design`: a sweep file validated and expanded into runs
  (:class:`~experiments.sweeps.design.RunSpec`, plain data); the shipped sweep
  files are the ``*.toml`` beside it;
- :mod:`~experiments.sweeps.runner`: one run, plain data in and out;
- :mod:`~experiments.sweeps.execute`: running a list of runs on Dask (local,
  a scheduler, SLURM or PBS) or serially, resuming what is stored;
- :mod:`~experiments.sweeps.store`: the Parquet folder results are written to as runs finish;
- :mod:`~experiments.sweeps.analysis`: summaries, deterrence, Sobol and Morris indices, PRIM.
"""
