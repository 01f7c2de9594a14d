"""``python -m theta_net.scenario``: prints docs/scenarios.md's expectation table from the
registry (a test compares the two)."""

import sys

from .expectations import expectation_table

sys.stdout.write(expectation_table())
