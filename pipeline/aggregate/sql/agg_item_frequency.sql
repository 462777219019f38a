-- Per wave, list dimension and code: how many cities name it, as a share of all cities of the
-- wave and of the cities that answered that list at all, each with its 95% Wilson interval.
WITH wave AS (
    SELECT survey_wave, count(*) AS cities_in_wave FROM snapshots GROUP BY survey_wave
), answering AS (
    SELECT s.survey_wave, i.dimension, count(DISTINCT i.snapshot_id) AS cities_answering
    FROM snapshot_items AS i JOIN snapshots AS s USING (snapshot_id)
    GROUP BY s.survey_wave, i.dimension
)
SELECT
    s.survey_wave,
    i.dimension,
    i.code,
    coalesce(v.label, 'Other (free text)') AS label,
    count(DISTINCT i.snapshot_id) AS cities,
    w.cities_in_wave,
    a.cities_answering,
    share_pct(count(DISTINCT i.snapshot_id), w.cities_in_wave) AS pct_of_cities,
    wilson_low_pct(count(DISTINCT i.snapshot_id), w.cities_in_wave) AS pct_of_cities_ci_low,
    wilson_high_pct(count(DISTINCT i.snapshot_id), w.cities_in_wave) AS pct_of_cities_ci_high,
    share_pct(count(DISTINCT i.snapshot_id), a.cities_answering) AS pct_of_answering,
    wilson_low_pct(count(DISTINCT i.snapshot_id), a.cities_answering) AS pct_of_answering_ci_low,
    wilson_high_pct(count(DISTINCT i.snapshot_id), a.cities_answering) AS pct_of_answering_ci_high
FROM snapshot_items AS i
JOIN snapshots AS s USING (snapshot_id)
JOIN wave AS w USING (survey_wave)
JOIN answering AS a ON a.survey_wave = s.survey_wave AND a.dimension = i.dimension
JOIN {item_dimensions} ON item_dimensions.dimension = i.dimension
LEFT JOIN vocabulary AS v ON v.dimension = item_dimensions.vocabulary AND v.code = i.code
GROUP BY s.survey_wave, i.dimension, i.code, v.label, w.cities_in_wave, a.cities_answering
ORDER BY s.survey_wave, i.dimension, cities DESC, i.code
