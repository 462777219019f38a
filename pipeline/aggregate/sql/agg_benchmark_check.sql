-- Each stated "N% of cities surveyed" next to the share recomputed from the warehouse for the
-- same wave: the share of cities whose answer equals the city's (or differs, for "unlike"), its 95%
-- Wilson interval, and two checks: the exact one (the recomputed share within the stated range) and
-- the small-sample one (the stated figure within the interval).
WITH answer_counts AS (
    SELECT survey_wave, topic, answer, count(DISTINCT snapshot_id) AS cities
    FROM {measure_answers}
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
), checked AS (
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
        k.cities_matching,
        share_pct(k.cities_matching, k.cities_answering) AS computed_pct,
        wilson_low_pct(k.cities_matching, k.cities_answering) AS ci_low_pct,
        wilson_high_pct(k.cities_matching, k.cities_answering) AS ci_high_pct,
        round(100.0 * k.cities_matching / nullif(k.cities_answering, 0) - c.stated_pct, 2) AS difference_pct,
        k.cities_answering = 0 OR c.city_value IS NULL OR c.stated_low IS NULL AS not_comparable,
        c.source_line
    FROM benchmark_claims AS c
    JOIN snapshots AS s USING (snapshot_id)
    JOIN computed AS k ON k.snapshot_id = c.snapshot_id AND k.position = c.position
)
SELECT
    survey_wave,
    snapshot_id,
    city,
    position,
    topic,
    city_value,
    comparator,
    stated_text,
    stated_pct,
    stated_low,
    stated_high,
    cities_answering,
    cities_matching,
    computed_pct,
    ci_low_pct,
    ci_high_pct,
    difference_pct,
    CASE WHEN NOT not_comparable THEN 100.0 * cities_matching / cities_answering BETWEEN stated_low AND stated_high
    END AS within_stated,
    CASE WHEN NOT not_comparable THEN stated_low <= ci_high_pct AND stated_high >= ci_low_pct END AS stated_within_ci,
    source_line
FROM checked
ORDER BY survey_wave, snapshot_id, position
