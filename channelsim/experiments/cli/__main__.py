"""``python -m experiments.cli``: the same as the ``channelsim`` command."""

import sys

from channelsim.experiments.cli import main

sys.exit(main())
