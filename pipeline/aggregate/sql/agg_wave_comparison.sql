-- Shares of cities side by side for each pair of consecutive survey waves: every headline answer
-- (formal strategy, dedicated funding, dedicated team, priority areas, each approach) as a share of the
-- cities answering it, and every code of every list as a share of all cities of the wave; with the
-- change in percentage points.
WITH waves AS (
    SELECT survey_wave, count(*) AS cities_in_wave FROM snapshots GROUP BY survey_wave
), wave_pairs AS (
    SELECT * FROM (
        SELECT lag(survey_wave) OVER (ORDER BY survey_wave) AS from_wave, survey_wave AS to_wave FROM waves
    ) WHERE from_wave IS NOT NULL
), answers AS (
    SELECT survey_wave, 'headline' AS dimension, 'formal_strategy' AS code, 'Formal innovation strategy' AS label,
        has_formal_strategy IS NOT NULL AS answered, coalesce(has_formal_strategy, false) AS named
    FROM snapshots
    UNION ALL
    SELECT survey_wave, 'headline', 'dedicated_funding', 'Dedicated innovation funding',
        has_dedicated_funding IS NOT NULL, coalesce(has_dedicated_funding, false)
    FROM snapshots
    UNION ALL
    SELECT survey_wave, 'headline', 'dedicated_team', 'Dedicated innovation team',
        has_dedicated_team IS NOT NULL, coalesce(has_dedicated_team, false)
    FROM snapshots
    UNION ALL
    SELECT survey_wave, 'headline', 'prioritises_policy_areas', 'Names priority policy areas',
        prioritises_policy_areas IS NOT NULL, coalesce(prioritises_policy_areas, false)
    FROM snapshots
    UNION ALL
    SELECT s.survey_wave, 'approach', v.code, v.label, s.approach IS NOT NULL, coalesce(s.approach = v.code, false)
    FROM snapshots AS s CROSS JOIN vocabulary AS v
    WHERE v.dimension = 'approaches'
), headline_shares AS (
    SELECT survey_wave, dimension, code, min(label) AS label,
        count(*) FILTER (WHERE named) AS cities, count(*) FILTER (WHERE answered) AS base
    FROM answers
    GROUP BY survey_wave, dimension, code
), item_codes AS (
    SELECT DISTINCT i.dimension, i.code, coalesce(v.label, 'Other (free text)') AS label
    FROM snapshot_items AS i
    JOIN item_dimensions AS d ON d.dimension = i.dimension
    LEFT JOIN vocabulary AS v ON v.dimension = d.vocabulary AND v.code = i.code
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
    round(100.0 * f.cities / nullif(f.base, 0), 2) AS from_pct,
    t.cities AS to_cities,
    t.base AS to_base,
    round(100.0 * t.cities / nullif(t.base, 0), 2) AS to_pct,
    round(100.0 * t.cities / nullif(t.base, 0) - 100.0 * f.cities / nullif(f.base, 0), 2) AS change_pct_points
FROM wave_pairs AS p
JOIN shares AS f ON f.survey_wave = p.from_wave
JOIN shares AS t ON t.survey_wave = p.to_wave AND t.dimension = f.dimension AND t.code = f.code
ORDER BY f.dimension, f.code, p.from_wave
