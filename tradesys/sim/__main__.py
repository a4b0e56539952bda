import sys

from tradesys.sim.cli import main

sys.exit(main())
