"""Entry point for ``python -m app``."""

import sys

try:
    from app.cli import main
except KeyboardInterrupt:  # Ctrl+C while Python is still loading the app
    sys.exit(130)

sys.exit(main())
