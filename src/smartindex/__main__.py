"""``python -m smartindex`` runs the command line."""

import sys

from smartindex.cli import main

sys.exit(main())
