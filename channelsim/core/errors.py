"""The error every bad input raises: the CLI prints its message and exits non-zero."""


class ChannelsimError(Exception):
    """A problem with the user's input, explained in one paragraph."""
