"""``python -m ethrex``: the command line."""

import sys

from ethrex.cli import main

sys.exit(main())
