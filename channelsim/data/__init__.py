"""The snapshot of the public data files that an installed channelsim reads when no data folder is found.

Nothing of it is committed: building the wheel (or the sdist) copies the files from the configured
data folder (``$CHANNELSIM_DATA``, else ``../shared/data`` beside the checkout; see ``setup.py``).
In a checkout this folder is empty and the data are read from that folder directly.
"""
