-- Per wave and country: cities and their headline shares, each with its 95% Wilson interval.
SELECT
    survey_wave,
    coalesce(country_code, 'unknown') AS country_code,
    min(country) AS country,
    count(*) AS cities,
    share_pct(count(*) FILTER (WHERE has_formal_strategy), count(has_formal_strategy)) AS pct_formal_strategy,
    wilson_low_pct(count(*) FILTER (WHERE has_formal_strategy), count(has_formal_strategy)) AS pct_formal_strategy_ci_low,
    wilson_high_pct(count(*) FILTER (WHERE has_formal_strategy), count(has_formal_strategy)) AS pct_formal_strategy_ci_high,
    share_pct(count(*) FILTER (WHERE has_dedicated_funding), count(has_dedicated_funding)) AS pct_dedicated_funding,
    wilson_low_pct(count(*) FILTER (WHERE has_dedicated_funding), count(has_dedicated_funding)) AS pct_dedicated_funding_ci_low,
    wilson_high_pct(count(*) FILTER (WHERE has_dedicated_funding), count(has_dedicated_funding)) AS pct_dedicated_funding_ci_high,
    sum(population)::BIGINT AS population_total,
    round(avg(team_staff), 2) AS team_size_mean
FROM snapshots
GROUP BY survey_wave, coalesce(country_code, 'unknown')
ORDER BY survey_wave, country_code
