"""``python -m interfacemodel.cli ...``: the same as the ``interfacemodel`` command."""

import sys

from . import main

sys.exit(main())
