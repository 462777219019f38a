-- Per wave and city-size band (population as stated in the snapshot).
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
    round(100.0 * count(*) FILTER (WHERE has_formal_strategy) / nullif(count(has_formal_strategy), 0), 2) AS pct_formal_strategy,
    round(100.0 * count(*) FILTER (WHERE has_dedicated_funding) / nullif(count(has_dedicated_funding), 0), 2) AS pct_dedicated_funding,
    round(median(team_staff), 2)::DOUBLE AS team_size_median
FROM banded
GROUP BY survey_wave, size_band
ORDER BY survey_wave, size_band
