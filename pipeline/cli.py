"""``citysnap``: build the warehouse through Dagster, query it, or check documents without building.

Each subcommand lives in its own module of ``pipeline.commands`` and registers itself.
"""

import argparse
import importlib
import pkgutil
import sys

import pipeline.commands


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="citysnap", description=__doc__.splitlines()[0])
    commands = main.add_subparsers(dest="command", required=True)
    for module in pkgutil.iter_modules(pipeline.commands.__path__):
        command = importlib.import_module(f"pipeline.commands.{module.name}")
        if hasattr(command, "register"):
            command.register(commands)
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
