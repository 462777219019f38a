-- Per wave and city-size band (population as stated in the snapshot), with the headline shares and
-- their 95% Wilson intervals.
WITH banded AS (
    SELECT *,
        CASE
            WHEN population IS NULL THEN 'unknown'
            WHEN population < 100000 THEN '1: under 100k'
            WHEN population < 500000 THEN '2: 100k-500k'
            WHEN population < 1000000 THEN '3: 500k-1m'
            WHEN population < 5000000 THEN '4: 1m-5m'
            ELSE '5: 5m and over'
        END AS size_band
    FROM snapshots
)
SELECT
    survey_wave,
    size_band,
    count(*) AS cities,
    share_pct(count(*) FILTER (WHERE has_formal_strategy), count(has_formal_strategy)) AS pct_formal_strategy,
    wilson_low_pct(count(*) FILTER (WHERE has_formal_strategy), count(has_formal_strategy)) AS pct_formal_strategy_ci_low,
    wilson_high_pct(count(*) FILTER (WHERE has_formal_strategy), count(has_formal_strategy)) AS pct_formal_strategy_ci_high,
    share_pct(count(*) FILTER (WHERE has_dedicated_funding), count(has_dedicated_funding)) AS pct_dedicated_funding,
    wilson_low_pct(count(*) FILTER (WHERE has_dedicated_funding), count(has_dedicated_funding)) AS pct_dedicated_funding_ci_low,
    wilson_high_pct(count(*) FILTER (WHERE has_dedicated_funding), count(has_dedicated_funding)) AS pct_dedicated_funding_ci_high,
    round(median(team_staff), 2)::DOUBLE AS team_size_median
FROM banded
GROUP BY survey_wave, size_band
ORDER BY survey_wave, size_band
