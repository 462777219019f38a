-- The headline answers in long form, one row per survey wave and measure (formal strategy,
-- dedicated funding, dedicated team, priority areas, each approach): ready for a bar chart by wave.
WITH answers AS (
    SELECT survey_wave, 1 AS sort_order, 'formal_strategy' AS measure, 'Formal innovation strategy' AS label,
        has_formal_strategy IS NOT NULL AS answered, coalesce(has_formal_strategy, false) AS yes
    FROM snapshots
    UNION ALL
    SELECT survey_wave, 2, 'dedicated_funding', 'Dedicated innovation funding',
        has_dedicated_funding IS NOT NULL, coalesce(has_dedicated_funding, false)
    FROM snapshots
    UNION ALL
    SELECT survey_wave, 3, 'dedicated_team', 'Dedicated innovation team',
        has_dedicated_team IS NOT NULL, coalesce(has_dedicated_team, false)
    FROM snapshots
    UNION ALL
    SELECT survey_wave, 4, 'prioritises_policy_areas', 'Names priority policy areas',
        prioritises_policy_areas IS NOT NULL, coalesce(prioritises_policy_areas, false)
    FROM snapshots
    UNION ALL
    SELECT s.survey_wave, 5, 'approach_' || v.code, 'Approach: ' || v.label,
        s.approach IS NOT NULL, coalesce(s.approach = v.code, false)
    FROM snapshots AS s CROSS JOIN vocabulary AS v
    WHERE v.dimension = 'approaches'
)
SELECT
    survey_wave,
    measure,
    min(label) AS label,
    count(*) FILTER (WHERE yes) AS cities_with,
    count(*) FILTER (WHERE answered) AS cities_answering,
    count(*) AS cities_in_wave,
    round(100.0 * count(*) FILTER (WHERE yes) / nullif(count(*) FILTER (WHERE answered), 0), 2) AS pct_of_answering
FROM answers
GROUP BY survey_wave, sort_order, measure
ORDER BY survey_wave, sort_order, measure
