-- One row per city and survey wave with the headline facts for dashboards: who, how big, the team,
-- strategy, approach, funding, data use, the main lists as readable text, and the size of the wave.
WITH lists AS (
    SELECT
        i.snapshot_id,
        string_agg(coalesce(v.label, i.label), '; ' ORDER BY i.position) FILTER (WHERE i.dimension = 'staff_skills') AS staff_skills,
        count(*) FILTER (WHERE i.dimension = 'staff_skills') AS staff_skill_count,
        string_agg(coalesce(v.label, i.label), '; ' ORDER BY i.position) FILTER (WHERE i.dimension = 'priority_policy_areas') AS priority_policy_areas,
        string_agg(coalesce(v.label, i.label), '; ' ORDER BY i.position) FILTER (WHERE i.dimension = 'funding_sources') AS funding_sources,
        string_agg(coalesce(v.label, i.label), '; ' ORDER BY i.position) FILTER (WHERE i.dimension = 'benefits') AS benefits,
        string_agg(coalesce(v.label, i.label), '; ' ORDER BY i.position) FILTER (WHERE i.dimension = 'success_factors') AS success_factors
    FROM snapshot_items AS i
    JOIN {item_dimensions} ON item_dimensions.dimension = i.dimension
    LEFT JOIN vocabulary AS v ON v.dimension = item_dimensions.vocabulary AND v.code = i.code
    GROUP BY i.snapshot_id
), keyed AS (
    SELECT *, regexp_replace(snapshot_id, '^[0-9]+-', '') AS city_key FROM snapshots
)
SELECT
    s.snapshot_id,
    s.survey_wave,
    make_date(s.survey_wave::INTEGER, 1, 1) AS wave_date,
    s.city_key,
    s.city,
    s.region,
    s.country,
    s.country_code,
    s.mayor,
    s.mayor_title,
    s.population,
    s.population_year,
    CASE
        WHEN s.population IS NULL THEN 'unknown'
        WHEN s.population < 100000 THEN '1: under 100k'
        WHEN s.population < 500000 THEN '2: 100k-500k'
        WHEN s.population < 1000000 THEN '3: 500k-1m'
        WHEN s.population < 5000000 THEN '4: 1m-5m'
        ELSE '5: 5m and over'
    END AS size_band,
    s.website,
    s.team_location,
    s.has_dedicated_team,
    s.team_staff,
    s.team_staff_text,
    s.has_formal_strategy,
    s.approach,
    a.label AS approach_label,
    s.has_dedicated_funding,
    s.prioritises_policy_areas,
    s.uses_data_in_urban_planning,
    s.budget_aligned_with_priorities,
    s.publishes_open_data_centrally,
    s.provides_data_guidance,
    coalesce(l.staff_skill_count, 0) AS staff_skill_count,
    l.staff_skills,
    l.priority_policy_areas,
    l.funding_sources,
    l.benefits,
    l.success_factors,
    count(*) OVER (PARTITION BY s.survey_wave) AS cities_in_wave,
    count(*) OVER (PARTITION BY s.city_key) AS waves_of_city,
    d.path AS source_path
FROM keyed AS s
LEFT JOIN lists AS l USING (snapshot_id)
LEFT JOIN vocabulary AS a ON a.dimension = 'approaches' AND a.code = s.approach
LEFT JOIN documents AS d ON d.document_id = s.document_id AND d.status = 'loaded'
ORDER BY s.survey_wave, s.city
