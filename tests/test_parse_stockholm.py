"""The real Stockholm snapshot (raw/2020/stockholm.txt, the seed document), checked field by field."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.parse.document import parse_text
from pipeline.parse.record import SnapshotRecord

SEED = Path(__file__).resolve().parents[1] / "raw" / "2020" / "stockholm.txt"


@pytest.fixture(scope="module")
def record() -> SnapshotRecord:
    result = parse_text(SEED.read_text(encoding="utf-8"))
    assert result.rejection is None
    assert result.record is not None
    return result.record


def codes(record: SnapshotRecord, dimension: str) -> list[str]:
    return [item.code for item in record.items_of(dimension)]


def test_header_names_city_and_country(record: SnapshotRecord) -> None:
    assert (record.city, record.country, record.country_code, record.region) == (
        "Stockholm",
        "Sweden",
        "SE",
        None,
    )


def test_mayor_term_and_lead(record: SnapshotRecord) -> None:
    assert (record.mayor, record.mayor_title) == ("Anna König Jerlmyr", "Mayor")
    assert (record.term_start, record.term_end) == (2018, 2022)
    assert record.innovation_leads == ["Gunnar Bjorkman"]


def test_population_is_974073_in_2019(record: SnapshotRecord) -> None:
    assert (record.population, record.population_year, record.population_text) == (
        974073,
        2019,
        "974 073 (2019)",
    )


def test_website_loses_its_angle_brackets(record: SnapshotRecord) -> None:
    assert record.website == "https://start.stockholm/om-stockholms-stad/sa-arbetar-staden/innovation"


def test_team_of_nine_in_the_city_executive_office(record: SnapshotRecord) -> None:
    assert record.has_dedicated_team is True
    assert record.team_location == "City Executive Office"
    assert (record.team_staff, record.team_staff_min, record.team_staff_max) == (9, 9, 9)
    assert record.team_staff_text == "9 staff"


def test_eight_staff_skills_all_coded(record: SnapshotRecord) -> None:
    assert codes(record, "staff_skills") == [
        "project_manager", "data_scientist", "communications_marketing", "engineer",
        "designer", "community_engagement", "sociologist", "business_economics",
    ]  # fmt: skip


def test_spotlight_title_and_single_paragraph(record: SnapshotRecord) -> None:
    assert record.spotlight_title == "Digital Demo Stockholm"
    assert record.spotlight_text is not None
    assert record.spotlight_text.startswith("Digital Demo Stockholm (DDS) is an innovation partnership")
    assert record.spotlight_text.endswith("greater freedom for the elderly.")


def test_vision_strategy_and_two_associations(record: SnapshotRecord) -> None:
    assert record.has_formal_strategy is True
    assert codes(record, "innovation_associations") == [
        "bold_leadership",
        "increased_quality_public_services",
    ]


def test_approach_both_and_two_priority_areas_joined_across_line_breaks(record: SnapshotRecord) -> None:
    assert record.approach == "both"
    assert record.prioritises_policy_areas is True
    assert [(i.code, i.label) for i in record.items_of("priority_policy_areas")] == [
        ("digital_governance", "Digital Governance"),
        ("economic_development", "Economic Development"),
    ]


def test_four_partner_types(record: SnapshotRecord) -> None:
    assert codes(record, "partner_types") == ["public_agencies", "private_sector", "non_profit", "residents"]


def test_four_data_partners_and_their_purpose(record: SnapshotRecord) -> None:
    # "with the private sector, academia and think tanks, to collect and analyse data, as well as with other
    # cities": academia and think tanks are two options; the purpose is an item of its own.
    assert codes(record, "data_partners") == ["private_sector", "academia", "think_tanks", "other_cities"]
    assert codes(record, "data_partnership_purposes") == ["collect_analyse_data"]


def test_four_funding_sources_and_three_uses(record: SnapshotRecord) -> None:
    assert record.has_dedicated_funding is True
    assert codes(record, "funding_sources") == [
        "international_multilateral", "higher_government", "municipal_budget", "external_non_public",
    ]  # fmt: skip
    assert codes(record, "funding_uses") == [
        "training_capacity",
        "generating_ideas",
        "digital_physical_infrastructure",
    ]


def test_three_benefits_and_five_success_factors(record: SnapshotRecord) -> None:
    assert codes(record, "benefits") == [
        "save_costs_efficiency",
        "anticipate_future_challenges",
        "improve_service_delivery",
    ]
    assert codes(record, "success_factors") == [
        "dedicated_funding", "human_resource_support", "dedicated_innovation_team",
        "culture_of_innovation", "leadership_from_mayor",
    ]  # fmt: skip


def test_data_facts_all_true_and_one_challenge(record: SnapshotRecord) -> None:
    assert record.uses_data_in_urban_planning is True
    assert record.budget_aligned_with_priorities is True
    assert record.publishes_open_data_centrally is True
    assert record.provides_data_guidance is True
    assert codes(record, "data_challenges") == ["data_incompatibility"]


def test_fifteen_outcome_areas_all_of_unknown_status(record: SnapshotRecord) -> None:
    assert len(record.policy_area_data) == 15
    assert {cell.data_status for cell in record.policy_area_data} == {"unknown"}
    assert "other" not in {cell.code for cell in record.policy_area_data}


def test_stated_shares_are_50_and_81_plus_more_than_half(record: SnapshotRecord) -> None:
    claims = [(c.topic, c.stated_pct, c.stated_text) for c in record.benchmark_claims]
    assert claims == [
        ("formal_strategy", 50.0, "50%"),
        ("approach", None, "more than half"),
        ("dedicated_funding", 81.0, "81%"),
    ]


def test_repeated_title_line_is_a_page_header(record: SnapshotRecord) -> None:
    assert "page_header" in record.line_fields.values()


def test_zero_unparsed_lines(record: SnapshotRecord) -> None:
    assert record.unparsed_lines == []
