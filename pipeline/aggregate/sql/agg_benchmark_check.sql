-- Each stated "N% of cities surveyed" next to the share recomputed from the warehouse for the
-- same wave: the share of cities whose answer equals the city's (or differs, for "unlike").
WITH answers AS (
    SELECT survey_wave, 'formal_strategy' AS topic,
        CASE WHEN has_formal_strategy THEN 'yes' WHEN NOT has_formal_strategy THEN 'no' END AS answer
    FROM snapshots
    UNION ALL
    SELECT survey_wave, 'dedicated_funding',
        CASE WHEN has_dedicated_funding THEN 'yes' WHEN NOT has_dedicated_funding THEN 'no' END
    FROM snapshots
    UNION ALL
    SELECT survey_wave, 'dedicated_team',
        CASE WHEN has_dedicated_team THEN 'yes' WHEN NOT has_dedicated_team THEN 'no' END
    FROM snapshots
    UNION ALL
    SELECT survey_wave, 'prioritises_policy_areas',
        CASE WHEN prioritises_policy_areas THEN 'yes' WHEN NOT prioritises_policy_areas THEN 'no' END
    FROM snapshots
    UNION ALL
    SELECT survey_wave, 'approach', approach FROM snapshots
), answer_counts AS (
    SELECT survey_wave, topic, answer, count(*) AS cities
    FROM answers
    WHERE answer IS NOT NULL
    GROUP BY survey_wave, topic, answer
), computed AS (
    SELECT
        c.snapshot_id,
        c.position,
        coalesce(sum(a.cities), 0)::BIGINT AS cities_answering,
        coalesce(sum(a.cities) FILTER (WHERE (a.answer = c.city_value) = c.refers_to_city_value), 0)::BIGINT
            AS cities_matching
    FROM benchmark_claims AS c
    JOIN snapshots AS s USING (snapshot_id)
    LEFT JOIN answer_counts AS a ON a.survey_wave = s.survey_wave AND a.topic = c.topic
    GROUP BY c.snapshot_id, c.position
)
SELECT
    s.survey_wave,
    c.snapshot_id,
    s.city,
    c.position,
    c.topic,
    c.city_value,
    c.comparator,
    c.stated_text,
    c.stated_pct,
    c.stated_low,
    c.stated_high,
    k.cities_answering,
    round(100.0 * k.cities_matching / nullif(k.cities_answering, 0), 2) AS computed_pct,
    round(100.0 * k.cities_matching / nullif(k.cities_answering, 0) - c.stated_pct, 2) AS difference_pct,
    CASE
        WHEN k.cities_answering = 0 OR c.city_value IS NULL OR c.stated_low IS NULL THEN NULL
        ELSE 100.0 * k.cities_matching / k.cities_answering BETWEEN c.stated_low AND c.stated_high
    END AS within_stated,
    c.source_line
FROM benchmark_claims AS c
JOIN snapshots AS s USING (snapshot_id)
JOIN computed AS k ON k.snapshot_id = c.snapshot_id AND k.position = c.position
ORDER BY s.survey_wave, c.snapshot_id, c.position
