"""Benchmark: the build against the floor, on the same generated corpus, in one run.

For each corpus size N (1,000 and 10,000; also 100,000 with BENCH_FULL=1) it measures
- the floors: ``cat`` of every file, and a bare loop reading and parsing every document with the
  project's parser (no Dagster, no pandera, no DuckDB);
- Dagster's fixed start-up cost: a build of an empty raw/ folder;
- a full build of the warehouse through Dagster (``citysnap build --skip-report``), a no-change
  rebuild, and a rebuild after one document changed; then the visual report on its own (one page
  per city, so it grows with the corpus and is reported separately);
each as a separate process, with wall time and peak resident memory (``/usr/bin/time``), and
prints the ratios against the targets. Machines are noisy: compare ratios from one run.

It also compares the parser with the parser of commit ``BASELINE_COMMIT`` (issue 9's "today's parser"):
both parse the same documents, in alternating rounds of one run, each in its own process (the old one
from a ``git archive`` of that commit on PYTHONPATH); the best round of each gives docs/s and the ratio.
``BENCH_PARSER_ONLY=1`` runs only this comparison (no 10,000-document build).
A separate section measures the CLI's start-up: ``citysnap --help`` and ``citysnap sql "select 1"``
against the floor ``python -c "import duckdb"`` (target: sql within 2x), median of several runs.
``BENCH_CLI_ONLY=1`` runs only that section (seconds, not minutes).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = Path(os.environ.get("BENCH_WORK", ROOT / "bench" / ".work"))
PYTHON = sys.executable
CITYSNAP = [PYTHON, "-m", "pipeline.cli"]
FLOOR_LOOP = """
import sys
from pathlib import Path
from pipeline.parse.document import parse_text
count = 0
for path in sorted(Path(sys.argv[1]).rglob("*.txt")):
    parse_text(path.read_text(encoding="utf-8"))
    count += 1
print(count)
"""
BASELINE_COMMIT = "8d5fe37"
"""The parser issue 9 measured (2.1 ms per document); the current one must be >= 5x faster."""
PARSER_TARGET = 5.0
PARSER_DOCUMENTS = int(os.environ.get("BENCH_PARSER_DOCUMENTS", "540"))
PARSER_ROUNDS = int(os.environ.get("BENCH_PARSER_ROUNDS", "5"))
PARSER_LOOP = """
import sys, time
from pathlib import Path
from pipeline.parse.document import parse_text
texts = [p.read_text(encoding="utf-8") for p in sorted(Path(sys.argv[1]).rglob("*.txt"))]
parse_text(texts[0])  # load vocabularies and template; the other documents are parsed for the first time
started = time.perf_counter()
for text in texts[1:]:
    parse_text(text)
print(len(texts) - 1, time.perf_counter() - started)
"""


@dataclass
class Measure:
    documents: int
    stage: str
    seconds: float
    peak_mib: float

    @property
    def docs_per_second(self) -> float:
        return self.documents / self.seconds if self.seconds else float("inf")


def timed(command: list[str] | str, documents: int, stage: str, shell: bool = False) -> Measure:
    """Run a command under /usr/bin/time and return its wall time and peak RSS."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        prefix = f"/usr/bin/time -f '%e %M' -o {report.name} " if shell else None
        started = time.perf_counter()
        if shell:
            subprocess.run(prefix + command, shell=True, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        else:
            subprocess.run(
                ["/usr/bin/time", "-f", "%e %M", "-o", report.name, *command],
                check=True,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        wall = time.perf_counter() - started
        _, max_rss_kib = report.read().split()[-2:]
    return Measure(documents, stage, wall, int(max_rss_kib) / 1024)


def corpus(count: int) -> Path:
    folder = WORK / f"corpus_{count}"
    marker = folder / ".complete"
    if not marker.exists():
        shutil.rmtree(folder, ignore_errors=True)
        subprocess.run([*CITYSNAP, "synth", "--count", str(count), "--out", str(folder)], check=True, cwd=ROOT)
        marker.touch()
    return folder


def change_one_document(raw: Path) -> None:
    """Edit one document's population line, as a city would when it sends a correction."""
    path = sorted(raw.rglob("*.txt"))[len(list(raw.rglob("*.txt"))) // 2]
    text = path.read_text(encoding="utf-8")
    marker = "**Population size:** "
    start = text.index(marker) + len(marker)
    end = text.index("\n", start)
    path.write_text(text[:start] + "123 456 (2021)" + text[end:], encoding="utf-8")


def bench_size(count: int) -> list[Measure]:
    source = corpus(count)
    raw = WORK / f"raw_{count}"
    warehouse = WORK / f"warehouse_{count}"
    shutil.rmtree(raw, ignore_errors=True)
    shutil.rmtree(warehouse, ignore_errors=True)
    shutil.copytree(source, raw, ignore=shutil.ignore_patterns(".complete"))
    build = [*CITYSNAP, "build", "--raw", str(raw), "--warehouse", str(warehouse), "--quiet", "--skip-report"]
    measures = [
        timed(f"find {raw} -type f -exec cat {{}} + > /dev/null", count, "floor: cat", shell=True),
        timed([PYTHON, "-c", FLOOR_LOOP, str(raw)], count, "floor: read + parse loop"),
        timed(build, count, "full build (dagster)"),
        timed(build, count, "no-change rebuild"),
    ]
    change_one_document(raw)
    measures.append(timed(build, count, "one-changed rebuild"))
    measures.append(timed([*CITYSNAP, "report", "--warehouse", str(warehouse)], count, "visual report (all pages)"))
    return measures


@dataclass
class ParserComparison:
    documents: int
    baseline_seconds: float
    current_seconds: float

    @property
    def ratio(self) -> float:
        return self.baseline_seconds / self.current_seconds

    def text(self) -> str:
        old, new = self.documents / self.baseline_seconds, self.documents / self.current_seconds
        return (
            f"parser on {self.documents} documents (best of {PARSER_ROUNDS} first passes each, one core): "
            f"{BASELINE_COMMIT} {old:.0f} docs/s ({1000 / old:.2f} ms/doc), current {new:.0f} docs/s "
            f"({1000 / new:.2f} ms/doc): {self.ratio:.1f}x faster (>= {PARSER_TARGET:.0f}x: "
            f"{_verdict(self.ratio >= PARSER_TARGET)})"
        )


def baseline_checkout() -> Path:
    """The baseline commit's pipeline and schemas, extracted once with ``git archive``."""
    folder = WORK / f"parser_{BASELINE_COMMIT}"
    if not (folder / ".complete").exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        archive = subprocess.run(
            ["git", "archive", BASELINE_COMMIT, "pipeline", "schemas"], cwd=ROOT, check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
        (folder / ".complete").touch()
    return folder


def _parse_loop(code_root: Path, documents: Path) -> tuple[int, float]:
    """(documents parsed, seconds) of one pass in a fresh process: only the first document (which
    loads the vocabularies and the template) is parsed before the clock starts, so no cache of the
    parser has seen the timed documents."""
    environment = {**os.environ, "PYTHONPATH": str(code_root)}
    output = subprocess.run(
        [PYTHON, "-c", PARSER_LOOP, str(documents)],
        cwd=code_root,
        env=environment,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return int(output[0]), float(output[1])


def compare_parsers(count: int = PARSER_DOCUMENTS) -> ParserComparison:
    """Old and new parser on the same documents, in alternating rounds so both see the same load."""
    documents = corpus(count)
    baseline = baseline_checkout()
    old, new = [], []
    for _ in range(PARSER_ROUNDS):
        parsed, seconds = _parse_loop(baseline, documents)
        old.append(seconds)
        parsed, seconds = _parse_loop(ROOT, documents)
        new.append(seconds)
    return ParserComparison(parsed, min(old), min(new))


def startup_cost() -> Measure:
    empty = WORK / "raw_empty"
    shutil.rmtree(empty, ignore_errors=True)
    empty.mkdir(parents=True)
    warehouse = WORK / "warehouse_empty"
    shutil.rmtree(warehouse, ignore_errors=True)
    build = [*CITYSNAP, "build", "--raw", str(empty), "--warehouse", str(warehouse), "--quiet"]
    return timed(build, 0, "dagster start-up (empty raw/)")


CLI_REPEATS = 7


def median_seconds(command: list[str]) -> float:
    """Median wall time of ``command`` over CLI_REPEATS runs (start-up times are short and noisy)."""
    times = []
    for _ in range(CLI_REPEATS):
        started = time.perf_counter()
        subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return sorted(times)[len(times) // 2]


def cli_startup() -> str:
    """`citysnap --help` and `citysnap sql "select 1"` against `python -c "import duckdb"`."""
    warehouse = WORK / "warehouse_cli"
    if not (warehouse / "warehouse.duckdb").exists():
        subprocess.run([*CITYSNAP, "build", "--raw", str(ROOT / "raw"), "--warehouse", str(warehouse), "--quiet"],
                       check=True, cwd=ROOT, stdout=subprocess.DEVNULL)  # fmt: skip
    citysnap = str(Path(PYTHON).with_name("citysnap"))
    floor = median_seconds([PYTHON, "-c", "import duckdb"])
    helped = median_seconds([citysnap, "--help"])
    sql = median_seconds([citysnap, "sql", "select 1", "--warehouse", str(warehouse)])
    return "\n".join(
        [
            f"CLI start-up (median of {CLI_REPEATS}):",
            f"  python -c 'import duckdb'   {floor:6.3f} s  (floor)",
            f"  citysnap --help             {helped:6.3f} s  {helped / floor:4.2f}x floor",
            f"  citysnap sql 'select 1'     {sql:6.3f} s  {sql / floor:4.2f}x floor"
            f" (<= 2x: {_verdict(sql <= 2 * floor)})",
        ]
    )


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def report(startup: Measure, results: dict[int, list[Measure]]) -> str:
    lines = [
        f"Dagster fixed start-up (build of an empty raw/): {startup.seconds:.1f} s, peak {startup.peak_mib:.0f} MiB",
        "",
        f"| {'N':>7} | {'stage':<26} | {'seconds':>8} | {'docs/s':>8} | {'peak MiB':>8} | ratio            |",
        f"|{'-' * 9}|{'-' * 28}|{'-' * 10}|{'-' * 10}|{'-' * 10}|{'-' * 18}|",
    ]
    verdicts = []
    for count, measures in results.items():
        by_stage = {m.stage: m for m in measures}
        floor = by_stage["floor: read + parse loop"].seconds
        full = by_stage["full build (dagster)"].seconds
        for m in measures:
            if m.stage == "full build (dagster)":
                ratio = f"{full / floor:.2f}x floor"
            elif "rebuild" in m.stage:
                ratio = f"{100 * m.seconds / full:.1f}% of full"
            else:
                ratio = ""
            lines.append(
                f"| {count:>7} | {m.stage:<26} | {m.seconds:>8.2f} | {m.docs_per_second:>8.0f} | "
                f"{m.peak_mib:>8.0f} | {ratio:<16} |"
            )
        no_change = by_stage["no-change rebuild"].seconds
        one_changed = by_stage["one-changed rebuild"].seconds
        peak = max(m.peak_mib for m in measures if "build" in m.stage or "rebuild" in m.stage)
        budget = 3 * floor + startup.seconds
        verdicts.append(
            f"N={count}: full build {full:.1f}s vs 3 x floor ({floor:.1f}s) + start-up ({startup.seconds:.1f}s)"
            f" = {budget:.1f}s: {_verdict(full <= budget)}; "
            f"no-change {100 * no_change / full:.1f}% (<= 10%: {_verdict(no_change <= 0.10 * full)}); "
            f"one-changed {100 * one_changed / full:.1f}% (<= 15%: {_verdict(one_changed <= 0.15 * full)}); "
            f"peak build memory {peak:.0f} MiB"
        )
    return "\n".join([*lines, "", *verdicts])


def main() -> int:
    # builds are timed without recording runs in a Dagster instance (make exports DAGSTER_HOME), as before
    os.environ.pop("DAGSTER_HOME", None)
    sizes = [1_000, 10_000] + ([100_000] if os.environ.get("BENCH_FULL") == "1" else [])
    if os.environ.get("BENCH_SIZES"):
        sizes = [int(size) for size in os.environ["BENCH_SIZES"].split(",")]
    WORK.mkdir(parents=True, exist_ok=True)
    print("comparing parsers ...", file=sys.stderr, flush=True)
    parsers = compare_parsers()
    print(parsers.text())
    if os.environ.get("BENCH_PARSER_ONLY") == "1":
        return 0 if parsers.ratio >= PARSER_TARGET else 1
    cli = cli_startup()
    print(cli, flush=True)
    if os.environ.get("BENCH_CLI_ONLY") == "1":
        return 0
    startup = startup_cost()
    results = {}
    for count in sizes:
        print(f"benchmarking N={count} ...", file=sys.stderr, flush=True)
        results[count] = bench_size(count)
    text = report(startup, results)
    print(text)
    print(cli)
    (WORK / "results.json").write_text(
        json.dumps(
            {
                "parser": {**asdict(parsers), "ratio": parsers.ratio},
                "startup": asdict(startup),
                "results": {n: [asdict(m) for m in ms] for n, ms in results.items()},
            }
        ),
        encoding="utf-8",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
