"""Benchmark: the build against the floor, on the same generated corpus, in one run.

For each corpus size N (1,000 and 10,000; also 100,000 with BENCH_FULL=1) it measures
- the floors: ``cat`` of every file, and a bare loop reading and parsing every document with the
  project's parser (no Dagster, no pandera, no DuckDB);
- the fixed start-up cost: a full build (report included) of a raw/ folder of one document;
- a full build of the warehouse through Dagster (``citysnap build``, report included), a no-change
  rebuild, the build job run with nothing to do (the floor under any rebuild through Dagster), and a
  rebuild after one document changed; the visual report on its own; and, at the
  largest N of at least 2,000, the same full build as ``dagster job execute -j build_warehouse`` (the
  path a schedule, the sensor and the UI take);
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
JOB_WITH_NOTHING_TO_DO = """
import gc, sys
from pathlib import Path
from pipeline.runner import run_build
result = run_build(Path(sys.argv[1]), Path(sys.argv[2]), quiet=True)
gc.freeze()  # as the citysnap program exits
sys.exit(0 if result.success else 1)
"""
"""The build job run on an up-to-date warehouse (``citysnap build`` answers that case before starting
Dagster): Dagster's run of the graph plus the inventory and the plan, with no document to parse. No
rebuild through the job costs less, so it is the floor under the one-changed rebuild."""
JOB_FLOOR_STAGE = "no-change rebuild (job)"
BASELINE_COMMIT = "8d5fe37"
"""The parser issue 9 measured (2.1 ms per document); the current one must be >= 5x faster."""
PARSER_TARGET = 5.0
DAGSTER_COMPARISON_MIN = 2_000
"""``dagster job execute`` is timed against the CLI build at the largest N of at least this (issue 10)."""
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
seconds = time.perf_counter() - started
try:
    from pipeline.parse.compiled import is_compiled
except ImportError:  # the baseline commit has no compiled parser
    is_compiled = lambda: False  # noqa: E731
print(len(texts) - 1, seconds, int(is_compiled()))
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


def bench_size(count: int, compare_dagster: bool = False) -> list[Measure]:
    source = corpus(count)
    raw = WORK / f"raw_{count}"
    warehouse = WORK / f"warehouse_{count}"
    shutil.rmtree(raw, ignore_errors=True)
    shutil.rmtree(warehouse, ignore_errors=True)
    shutil.copytree(source, raw, ignore=shutil.ignore_patterns(".complete"))
    build = [*CITYSNAP, "build", "--raw", str(raw), "--warehouse", str(warehouse), "--quiet"]
    measures = [
        timed(f"find {raw} -type f -exec cat {{}} + > /dev/null", count, "floor: cat", shell=True),
        timed([PYTHON, "-c", FLOOR_LOOP, str(raw)], count, "floor: read + parse loop"),
        timed(build, count, "full build (dagster)"),
        timed(build, count, "no-change rebuild"),
        timed([PYTHON, "-c", JOB_WITH_NOTHING_TO_DO, str(raw), str(warehouse)], count, JOB_FLOOR_STAGE),
    ]
    change_one_document(raw)
    measures.append(timed(build, count, "one-changed rebuild"))
    measures.append(timed([*CITYSNAP, "report", "--warehouse", str(warehouse)], count, "visual report (all pages)"))
    if compare_dagster:
        measures.append(dagster_job_execute(raw, count))
    return measures


@dataclass
class ParserComparison:
    documents: int
    baseline_seconds: float
    current_seconds: float
    compiled: bool
    """Whether the current parser ran compiled by mypyc (``make setup``), as builds run it."""
    source_seconds: float
    """The current parser run from its Python source (CITYSNAP_PURE_PYTHON=1)."""

    @property
    def ratio(self) -> float:
        return self.baseline_seconds / self.current_seconds

    def text(self) -> str:
        old, new = self.documents / self.baseline_seconds, self.documents / self.current_seconds
        source = self.documents / self.source_seconds
        how = "compiled by mypyc" if self.compiled else "Python source: NOT COMPILED"
        return (
            f"parser on {self.documents} documents (best of {PARSER_ROUNDS} first passes each, one core): "
            f"{BASELINE_COMMIT} {old:.0f} docs/s ({1000 / old:.2f} ms/doc), current ({how}) {new:.0f} docs/s "
            f"({1000 / new:.2f} ms/doc): {self.ratio:.1f}x faster (>= {PARSER_TARGET:.0f}x: "
            f"{_verdict(self.ratio >= PARSER_TARGET)}); current run from its Python source {source:.0f} docs/s "
            f"({1000 / source:.2f} ms/doc): {self.baseline_seconds / self.source_seconds:.1f}x"
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


def _parse_loop(code_root: Path, documents: Path, **variables: str) -> tuple[int, float, bool]:
    """(documents parsed, seconds, compiled) of one pass in a fresh process: only the first document (which
    loads the vocabularies and the template) is parsed before the clock starts, so no cache of the
    parser has seen the timed documents."""
    environment = {**os.environ, "PYTHONPATH": str(code_root), **variables}
    output = subprocess.run(
        [PYTHON, "-c", PARSER_LOOP, str(documents)],
        cwd=code_root,
        env=environment,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return int(output[0]), float(output[1]), output[2] == "1"


def compare_parsers(count: int = PARSER_DOCUMENTS) -> ParserComparison:
    """Old and new parser on the same documents, in alternating rounds so both see the same load."""
    documents = corpus(count)
    baseline = baseline_checkout()
    old, new, source = [], [], []
    for _ in range(PARSER_ROUNDS):
        parsed, seconds, _ = _parse_loop(baseline, documents)
        old.append(seconds)
        parsed, seconds, compiled = _parse_loop(ROOT, documents)
        new.append(seconds)
        parsed, seconds, _ = _parse_loop(ROOT, documents, CITYSNAP_PURE_PYTHON="1")
        source.append(seconds)
    return ParserComparison(parsed, min(old), min(new), compiled, min(source))


STARTUP_REPEATS = 3


def startup_cost() -> Measure:
    """The full build of one document from scratch, the median of STARTUP_REPEATS runs: the marginal rate
    subtracts it from the full build, and one run of a few seconds varied by 1.7 s on the idle machine."""
    one = WORK / "raw_one"
    shutil.rmtree(one, ignore_errors=True)
    (one / "2020").mkdir(parents=True)
    shutil.copy(ROOT / "raw" / "2020" / "stockholm.txt", one / "2020" / "stockholm.txt")
    warehouse = WORK / "warehouse_one"
    build = [*CITYSNAP, "build", "--raw", str(one), "--warehouse", str(warehouse), "--quiet"]
    runs = []
    for _ in range(STARTUP_REPEATS):
        shutil.rmtree(warehouse, ignore_errors=True)
        runs.append(timed(build, 1, "fixed start-up (1 document)"))
    return sorted(runs, key=lambda measure: measure.seconds)[len(runs) // 2]


def dagster_job_execute(raw: Path, count: int) -> Measure:
    """The build as a schedule, the sensor or the UI runs it: ``dagster job execute`` of the job as defined."""
    warehouse = WORK / f"warehouse_{count}_dagster"
    shutil.rmtree(warehouse, ignore_errors=True)
    config = WORK / f"dagster_{count}.yaml"
    settings = {"raw_dir": str(raw), "warehouse_dir": str(warehouse)}
    config.write_text(json.dumps({"resources": {"settings": {"config": settings}}}), encoding="utf-8")
    dagster = str(Path(PYTHON).with_name("dagster"))
    return timed(
        [dagster, "job", "execute", "-m", "pipeline.definitions", "-j", "build_warehouse", "-c", str(config)],
        count,
        "dagster job execute",
    )


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


MARGINAL_TARGET = 600.0
"""Issue 10: documents per second of a full build after its fixed start-up, at 10,000 documents."""


def marginal_rate(count: int, full: Measure, startup: Measure) -> float:
    """Documents per second of a full build beyond the build of one document."""
    extra = full.seconds - startup.seconds
    return (count - 1) / extra if extra > 0 else float("inf")


def report(startup: Measure, results: dict[int, list[Measure]]) -> str:
    lines = [
        f"Fixed start-up (full build of 1 document, report included; median of {STARTUP_REPEATS}): "
        f"{startup.seconds:.1f} s, peak {startup.peak_mib:.0f} MiB",
        "",
        f"| {'N':>7} | {'stage':<26} | {'seconds':>8} | {'docs/s':>8} | {'peak MiB':>8} | ratio                 |",
        f"|{'-' * 9}|{'-' * 28}|{'-' * 10}|{'-' * 10}|{'-' * 10}|{'-' * 23}|",
    ]
    verdicts = []
    peaks = {}
    for count, measures in results.items():
        by_stage = {m.stage: m for m in measures}
        full = by_stage["full build (dagster)"]
        for m in measures:
            if m.stage == "full build (dagster)":
                ratio = f"{marginal_rate(count, m, startup):.0f} docs/s marginal"
            elif "rebuild" in m.stage:
                ratio = f"{100 * m.seconds / full.seconds:.1f}% of full"
            elif m.stage == "dagster job execute":
                ratio = f"{m.seconds / full.seconds:.2f}x the CLI build"
            else:
                ratio = ""
            lines.append(
                f"| {count:>7} | {m.stage:<26} | {m.seconds:>8.2f} | {m.docs_per_second:>8.0f} | "
                f"{m.peak_mib:>8.0f} | {ratio:<21} |"
            )
        no_change = by_stage["no-change rebuild"].seconds
        one_changed = by_stage["one-changed rebuild"].seconds
        peaks[count] = max(m.peak_mib for m in measures if "build" in m.stage)
        marginal = marginal_rate(count, full, startup)
        verdict = (
            f"N={count}: marginal {marginal:.0f} docs/s"
            + (f" (>= {MARGINAL_TARGET:.0f}: {_verdict(marginal >= MARGINAL_TARGET)})" if count >= 10_000 else "")
            + f"; no-change {100 * no_change / full.seconds:.1f}% (<= 5%: {_verdict(no_change <= 0.05 * full.seconds)})"
            + f"; one-changed {100 * one_changed / full.seconds:.1f}%"
            + f" (<= 10%: {_verdict(one_changed <= 0.10 * full.seconds)}"
            + f"; the job with nothing to do, its floor: {100 * by_stage[JOB_FLOOR_STAGE].seconds / full.seconds:.1f}%)"
            + f"; peak build memory {peaks[count]:.0f} MiB"
        )
        if count >= 100_000:
            verdict += f" (< 1024 MiB: {_verdict(peaks[count] < 1024)})"
        if "dagster job execute" in by_stage:
            ratio = by_stage["dagster job execute"].seconds / full.seconds
            verdict += f"; dagster job execute {ratio:.2f}x the CLI build (<= 1.5x: {_verdict(ratio <= 1.5)})"
        verdicts.append(verdict)
    if 1_000 in peaks and 10_000 in peaks:
        growth = peaks[10_000] - peaks[1_000]
        verdicts.append(
            f"peak memory growth 1,000 -> 10,000 documents: {growth:+.0f} MiB (<= 100: {_verdict(growth <= 100)})"
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
        results[count] = bench_size(count, compare_dagster=count == max(sizes) >= DAGSTER_COMPARISON_MIN)
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
