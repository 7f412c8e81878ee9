"""``python -m bot`` does the same as ``verbinder run``."""

import sys

from bot.cli import main

raise SystemExit(main(["run", *sys.argv[1:]]))
