"""The wizard's core: catalog, detection, planning, running and verifying.

Nothing in this package imports Qt; an import-linter contract keeps it so.
"""
