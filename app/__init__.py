"""ai-cli-setup: a setup wizard for AI coding CLIs."""

__version__ = "0.1.0"
