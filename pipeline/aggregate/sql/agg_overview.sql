-- One row per survey wave: how many cities, and the shares of cities (among those that answered).
SELECT
    survey_wave,
    count(*) AS cities,
    count(has_formal_strategy) AS cities_answering_strategy,
    round(100.0 * count(*) FILTER (WHERE has_formal_strategy) / nullif(count(has_formal_strategy), 0), 2) AS pct_formal_strategy,
    count(has_dedicated_funding) AS cities_answering_funding,
    round(100.0 * count(*) FILTER (WHERE has_dedicated_funding) / nullif(count(has_dedicated_funding), 0), 2) AS pct_dedicated_funding,
    count(has_dedicated_team) AS cities_answering_team,
    round(100.0 * count(*) FILTER (WHERE has_dedicated_team) / nullif(count(has_dedicated_team), 0), 2) AS pct_dedicated_team,
    count(approach) AS cities_answering_approach,
    round(100.0 * count(*) FILTER (WHERE approach = 'holistic') / nullif(count(approach), 0), 2) AS pct_approach_holistic,
    round(100.0 * count(*) FILTER (WHERE approach = 'specific') / nullif(count(approach), 0), 2) AS pct_approach_specific,
    round(100.0 * count(*) FILTER (WHERE approach = 'both') / nullif(count(approach), 0), 2) AS pct_approach_both,
    count(team_staff) AS cities_reporting_team_size,
    min(team_staff) AS team_size_min,
    round(median(team_staff), 2)::DOUBLE AS team_size_median,
    round(avg(team_staff), 2) AS team_size_mean,
    max(team_staff) AS team_size_max,
    round(median(population), 0)::BIGINT AS population_median
FROM snapshots
GROUP BY survey_wave
ORDER BY survey_wave
