"""Experiments over the model: scenarios, the command line (sweeps to come)."""
