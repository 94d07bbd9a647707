"""The error every bad input raises (the CLI prints its message and exits non-zero), and the warning of
input that is used with a caveat (the CLI prints it as one ``channelsim: warning:`` line)."""


class ChannelsimError(Exception):
    """A problem with the user's input, explained in one paragraph."""


class ChannelsimWarning(UserWarning):
    """Input used with a caveat the user should see (e.g. observed data left out of a figure)."""
