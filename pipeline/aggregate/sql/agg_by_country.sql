-- Per wave and country: cities and their headline shares.
SELECT
    survey_wave,
    coalesce(country_code, 'unknown') AS country_code,
    min(country) AS country,
    count(*) AS cities,
    round(100.0 * count(*) FILTER (WHERE has_formal_strategy) / nullif(count(has_formal_strategy), 0), 2) AS pct_formal_strategy,
    round(100.0 * count(*) FILTER (WHERE has_dedicated_funding) / nullif(count(has_dedicated_funding), 0), 2) AS pct_dedicated_funding,
    sum(population)::BIGINT AS population_total,
    round(avg(team_staff), 2) AS team_size_mean
FROM snapshots
GROUP BY survey_wave, coalesce(country_code, 'unknown')
ORDER BY survey_wave, country_code
