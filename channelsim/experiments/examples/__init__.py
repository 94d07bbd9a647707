"""Runnable examples of driving channelsim from other tools."""
