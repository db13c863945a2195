"""What the frozen executable runs: the same `main` as the `ai-cli-setup` command."""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main())
