-- Shares of cities side by side for each pair of consecutive survey waves: every headline answer
-- (the measures of schemas/measures.yaml: formal strategy, dedicated funding, dedicated team, priority
-- areas, each approach) as a share of the cities answering it, and every code of every list as a share
-- of all cities of the wave; with their 95% Wilson intervals and the change in percentage points.
WITH waves AS (
    SELECT survey_wave, count(*) AS cities_in_wave FROM snapshots GROUP BY survey_wave
), wave_pairs AS (
    SELECT * FROM (
        SELECT lag(survey_wave) OVER (ORDER BY survey_wave) AS from_wave, survey_wave AS to_wave FROM waves
    ) WHERE from_wave IS NOT NULL
), headline_shares AS (
    SELECT survey_wave, dimension, code, min(label) AS label,
        count(*) FILTER (WHERE has_it) AS cities, count(*) FILTER (WHERE answered) AS base
    FROM {measure_answers}
    GROUP BY survey_wave, dimension, code
), item_codes AS (
    SELECT DISTINCT i.dimension, i.code, coalesce(v.label, 'Other (free text)') AS label
    FROM snapshot_items AS i
    JOIN {item_dimensions} ON item_dimensions.dimension = i.dimension
    LEFT JOIN vocabulary AS v ON v.dimension = item_dimensions.vocabulary AND v.code = i.code
), item_counts AS (
    SELECT s.survey_wave, i.dimension, i.code, count(DISTINCT i.snapshot_id) AS cities
    FROM snapshot_items AS i JOIN snapshots AS s USING (snapshot_id)
    GROUP BY s.survey_wave, i.dimension, i.code
), item_shares AS (
    SELECT w.survey_wave, c.dimension, c.code, c.label, coalesce(n.cities, 0) AS cities, w.cities_in_wave AS base
    FROM item_codes AS c
    CROSS JOIN waves AS w
    LEFT JOIN item_counts AS n ON n.survey_wave = w.survey_wave AND n.dimension = c.dimension AND n.code = c.code
), shares AS (
    SELECT * FROM headline_shares UNION ALL SELECT * FROM item_shares
)
SELECT
    f.dimension,
    f.code,
    f.label,
    p.from_wave,
    p.to_wave,
    f.cities AS from_cities,
    f.base AS from_base,
    share_pct(f.cities, f.base) AS from_pct,
    wilson_low_pct(f.cities, f.base) AS from_pct_ci_low,
    wilson_high_pct(f.cities, f.base) AS from_pct_ci_high,
    t.cities AS to_cities,
    t.base AS to_base,
    share_pct(t.cities, t.base) AS to_pct,
    wilson_low_pct(t.cities, t.base) AS to_pct_ci_low,
    wilson_high_pct(t.cities, t.base) AS to_pct_ci_high,
    round(100.0 * t.cities / nullif(t.base, 0) - 100.0 * f.cities / nullif(f.base, 0), 2) AS change_pct_points
FROM wave_pairs AS p
JOIN shares AS f ON f.survey_wave = p.from_wave
JOIN shares AS t ON t.survey_wave = p.to_wave AND t.dimension = f.dimension AND t.code = f.code
ORDER BY f.dimension, f.code, p.from_wave
