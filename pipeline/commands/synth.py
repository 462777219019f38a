"""``citysnap synth``: write a deterministic corpus of realistic snapshot documents."""

import argparse
from pathlib import Path


def cmd_synth(args: argparse.Namespace) -> int:
    from pipeline.synth import write_corpus

    paths = write_corpus(args.count, Path(args.out), args.seed)
    print(f"wrote {len(paths)} documents under {args.out}")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    synth = commands.add_parser("synth", help="generate a seeded corpus of snapshot documents")
    synth.add_argument(
        "--count", type=int, required=True, metavar="N", help="number of documents, spread over the waves"
    )
    synth.add_argument("--out", required=True, metavar="DIR", help="folder to write <wave>/<city>.txt into")
    synth.add_argument("--seed", type=int, default=0, help="random seed: the same seed writes the same bytes")
    synth.set_defaults(handler=cmd_synth)
