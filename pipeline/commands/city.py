"""``citysnap city NAME``: one city's profile, each answer next to the share of all cities of its wave."""

import argparse
import difflib
import sys

import duckdb

from pipeline.paths import DEFAULT_WAREHOUSE_DIR, published_duckdb


def _share(count: int, base: int) -> str:
    return f"{100 * count / base:.0f}% ({count} of {base})" if base else "—"


def find_city(connection: duckdb.DuckDBPyConnection, name: str, wave: int | None) -> tuple[dict | None, str]:
    """The profile row for NAME (city name, any case or accents, or city_key) and wave, else a message."""
    rows = connection.execute(
        "SELECT * FROM v_city_profile "
        "WHERE strip_accents(lower(city)) = strip_accents(lower(?)) OR city_key = lower(?) ORDER BY survey_wave DESC",
        [name, name],
    ).df()
    if rows.empty:
        known = [row[0] for row in connection.execute("SELECT DISTINCT city FROM v_city_profile").fetchall()]
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        return None, f"no city {name!r} in the warehouse{hint}"
    if rows["city_key"].nunique() > 1:
        keys = ", ".join(sorted(rows["city_key"].unique()))
        return None, f"{name!r} is more than one city: give one of {keys}"
    if wave is not None:
        rows = rows[rows["survey_wave"] == wave]
        if rows.empty:
            return None, f"{name!r} has no snapshot in wave {wave}"
    record = rows.iloc[0]
    return record.astype(object).where(record.notna(), None).to_dict(), ""


def city_profile(connection: duckdb.DuckDBPyConnection, city: dict) -> str:
    from tabulate import tabulate  # 0.1 s of imports: only when a profile is printed

    # imports pandas: not at start-up (`citysnap --help`)
    from pipeline.report.data import REPORT_DIMENSIONS, city_answers, headline_shares

    wave, snapshot_id, cities = city["survey_wave"], city["snapshot_id"], city["cities_in_wave"]
    waves = [row[0] for row in connection.execute(
        "SELECT survey_wave FROM v_city_profile WHERE city_key = ? AND snapshot_id <> ? ORDER BY 1",
        [city["city_key"], snapshot_id],
    ).fetchall()]  # fmt: skip
    other = f"; also in {', '.join(map(str, waves))}" if waves else ""
    team = city["team_staff_text"] or "not stated"
    facts = [
        ("mayor", f"{city['mayor'] or 'not stated'}" + (f" ({city['mayor_title']})" if city["mayor_title"] else "")),
        ("population", f"{city['population']:,}".replace(",", " ") if city["population"] is not None else "not stated"),
        ("team", team + (f", {city['team_location']}" if city["team_location"] else "")),
        ("approach", city["approach_label"] or "not stated"),
        ("website", city["website"] or "—"),
        ("document", city["source_path"] or "—"),
    ]
    lines = [
        f"{city['city']}, {city['country']} — survey wave {wave} ({cities} cities in the wave{other})",
        tabulate(facts, tablefmt="plain"),
        "",
    ]
    rows = [
        (
            answer.question,
            answer.answer,
            "—" if answer.same_answer is None else _share(answer.same_answer, answer.cities_answering),
        )
        for answer in city_answers(city, headline_shares(connection, wave))
        if answer.kind == "yes_no" or answer.has_it
    ]
    lines += [tabulate(rows, headers=["answer", "city", "cities with the same answer"], tablefmt="simple"), ""]
    for dimension, title in REPORT_DIMENSIONS.items():
        items = connection.execute(
            "SELECT display_label, cities_naming, cities_in_wave FROM v_items_labelled "
            "WHERE snapshot_id = ? AND dimension = ? ORDER BY position",
            [snapshot_id, dimension],
        ).fetchall()
        rows = [(label, _share(naming, base)) for label, naming, base in items] or [("(none named)", "")]
        lines += [tabulate(rows, headers=[f"{title} ({len(items)})", f"share of all {cities} cities"]), ""]
    changes = connection.execute(
        "SELECT from_wave, strategy_change, funding_change, approach_from, approach_to, team_staff_from, "
        "team_staff_to, skills_added, skills_removed FROM agg_city_changes WHERE to_snapshot_id = ?",
        [snapshot_id],
    ).fetchall()
    for before, strategy, funding, approach_from, approach_to, staff_from, staff_to, added, removed in changes:
        lines += [
            f"changes since {before}: strategy {strategy}, funding {funding}, approach {approach_from} -> "
            f"{approach_to}, team {staff_from} -> {staff_to}",
            f"  skills added: {added or '—'}",
            f"  skills removed: {removed or '—'}",
        ]
    return "\n".join(lines).rstrip("\n")


def cmd_city(args: argparse.Namespace) -> int:
    path = published_duckdb(args.warehouse)
    if path is None:
        return 2
    with duckdb.connect(str(path), read_only=True) as connection:
        city, problem = find_city(connection, args.name, args.wave)
        if city is None:
            print(problem, file=sys.stderr)
            return 1
        print(city_profile(connection, city))
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    city = commands.add_parser("city", help="one city's profile, with its shares against all cities of the wave")
    city.add_argument(
        "name", metavar="NAME", help="city name (any case, accents optional) or city key such as se-stockholm"
    )
    city.add_argument("--wave", type=int, help="survey wave, e.g. 2020 (default: the city's latest)")
    city.add_argument(
        "--warehouse",
        default=DEFAULT_WAREHOUSE_DIR,
        metavar="DIR",
        help="warehouse folder holding warehouse.duckdb (default: $CITYSNAP_WAREHOUSE_DIR or warehouse/)",
    )
    city.set_defaults(handler=cmd_city)
