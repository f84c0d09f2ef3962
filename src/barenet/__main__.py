"""``python -m barenet``: the same as the ``barenet`` command."""

import sys

from barenet.cli import main

sys.exit(main())
