"""``python -m tradesys.recording``: see ``cli.py``."""

import sys

from tradesys.recording.cli import main

sys.exit(main())
