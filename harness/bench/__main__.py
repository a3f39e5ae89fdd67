"""`python -m harness.bench`: see `harness.bench`."""

import sys

from harness.bench import main

sys.exit(main())
