"""Subcommands of ``citysnap``: each module defines ``register(subparsers)``."""
