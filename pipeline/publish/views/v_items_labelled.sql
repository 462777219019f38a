-- One row per entry of a list answer, with its city and wave, the vocabulary's display label, and
-- how many cities of the wave name the same code (a share, with its 95% Wilson interval).
WITH counts AS (
    SELECT s.survey_wave, i.dimension, i.code, count(DISTINCT i.snapshot_id) AS cities_naming
    FROM snapshot_items AS i JOIN snapshots AS s USING (snapshot_id)
    GROUP BY s.survey_wave, i.dimension, i.code
), waves AS (
    SELECT survey_wave, count(*) AS cities_in_wave FROM snapshots GROUP BY survey_wave
)
SELECT
    i.snapshot_id,
    s.survey_wave,
    make_date(s.survey_wave::INTEGER, 1, 1) AS wave_date,
    s.city,
    s.country_code,
    i.dimension,
    upper(i.dimension[1]) || replace(i.dimension[2:], '_', ' ') AS dimension_label,
    i.position,
    i.code,
    coalesce(v.label, i.label) AS display_label,
    i.label AS label_as_written,
    i.code = 'other' AS is_free_text,
    c.cities_naming,
    w.cities_in_wave,
    share_pct(c.cities_naming, w.cities_in_wave) AS pct_of_cities,
    wilson_low_pct(c.cities_naming, w.cities_in_wave) AS ci_low_pct,
    wilson_high_pct(c.cities_naming, w.cities_in_wave) AS ci_high_pct,
    i.source_line
FROM snapshot_items AS i
JOIN snapshots AS s USING (snapshot_id)
JOIN {item_dimensions} ON item_dimensions.dimension = i.dimension
LEFT JOIN vocabulary AS v ON v.dimension = item_dimensions.vocabulary AND v.code = i.code
JOIN counts AS c ON c.survey_wave = s.survey_wave AND c.dimension = i.dimension AND c.code = i.code
JOIN waves AS w ON w.survey_wave = s.survey_wave
ORDER BY s.survey_wave, s.city, i.dimension, i.position
