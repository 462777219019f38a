-- Per wave, policy area and data status of the outcomes grid: cities and share of the cities
-- whose grid lists the area, with its 95% Wilson interval.
WITH listed AS (
    SELECT s.survey_wave, p.policy_area, count(DISTINCT p.snapshot_id) AS cities_listing
    FROM policy_area_data AS p JOIN snapshots AS s USING (snapshot_id)
    GROUP BY s.survey_wave, p.policy_area
)
SELECT
    s.survey_wave,
    p.policy_area,
    coalesce(v.label, 'Other (free text)') AS label,
    p.data_status,
    count(DISTINCT p.snapshot_id) AS cities,
    l.cities_listing,
    share_pct(count(DISTINCT p.snapshot_id), l.cities_listing) AS pct_of_listing,
    wilson_low_pct(count(DISTINCT p.snapshot_id), l.cities_listing) AS ci_low_pct,
    wilson_high_pct(count(DISTINCT p.snapshot_id), l.cities_listing) AS ci_high_pct
FROM policy_area_data AS p
JOIN snapshots AS s USING (snapshot_id)
JOIN listed AS l ON l.survey_wave = s.survey_wave AND l.policy_area = p.policy_area
LEFT JOIN vocabulary AS v ON v.dimension = 'policy_areas' AND v.code = p.policy_area
GROUP BY s.survey_wave, p.policy_area, v.label, p.data_status, l.cities_listing
ORDER BY s.survey_wave, p.policy_area, p.data_status
