"""``python -m theta_net``: the same command line as ``theta-net``."""

from .cli import main

raise SystemExit(main())
