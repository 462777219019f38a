-- For each city present in more than one survey wave, one row per pair of consecutive waves it
-- answered: formal strategy and dedicated funding gained or lost, approach, team size, and the staff
-- skills added and removed between the two snapshots.
WITH cities AS (
    SELECT *, regexp_replace(snapshot_id, '^[0-9]+-', '') AS city_key FROM snapshots
), ordered AS (
    SELECT
        city_key,
        lag(snapshot_id) OVER by_wave AS from_snapshot_id,
        snapshot_id AS to_snapshot_id
    FROM cities
    WINDOW by_wave AS (PARTITION BY city_key ORDER BY survey_wave)
), pairs AS (
    SELECT * FROM ordered WHERE from_snapshot_id IS NOT NULL
), skills AS (
    SELECT
        i.snapshot_id,
        CASE WHEN i.code = 'other' THEN 'other:' || lower(i.label) ELSE i.code END AS skill,
        min(coalesce(v.label, i.label)) AS label
    FROM snapshot_items AS i
    LEFT JOIN vocabulary AS v ON v.dimension = 'staff_skills' AND v.code = i.code
    WHERE i.dimension = 'staff_skills'
    GROUP BY i.snapshot_id, skill
), added AS (
    SELECT p.to_snapshot_id, count(*) AS skills_added_count, string_agg(t.label, '; ' ORDER BY t.label) AS skills_added
    FROM pairs AS p
    JOIN skills AS t ON t.snapshot_id = p.to_snapshot_id
    WHERE NOT EXISTS (SELECT 1 FROM skills AS f WHERE f.snapshot_id = p.from_snapshot_id AND f.skill = t.skill)
    GROUP BY p.to_snapshot_id
), removed AS (
    SELECT p.to_snapshot_id, count(*) AS skills_removed_count, string_agg(f.label, '; ' ORDER BY f.label) AS skills_removed
    FROM pairs AS p
    JOIN skills AS f ON f.snapshot_id = p.from_snapshot_id
    WHERE NOT EXISTS (SELECT 1 FROM skills AS t WHERE t.snapshot_id = p.to_snapshot_id AND t.skill = f.skill)
    GROUP BY p.to_snapshot_id
)
SELECT
    p.city_key,
    b.city,
    b.country_code,
    a.survey_wave AS from_wave,
    b.survey_wave AS to_wave,
    p.from_snapshot_id,
    p.to_snapshot_id,
    a.has_formal_strategy AS strategy_from,
    b.has_formal_strategy AS strategy_to,
    CASE
        WHEN a.has_formal_strategy IS NULL OR b.has_formal_strategy IS NULL THEN 'unknown'
        WHEN a.has_formal_strategy = b.has_formal_strategy THEN 'unchanged'
        WHEN b.has_formal_strategy THEN 'gained'
        ELSE 'lost'
    END AS strategy_change,
    a.has_dedicated_funding AS funding_from,
    b.has_dedicated_funding AS funding_to,
    CASE
        WHEN a.has_dedicated_funding IS NULL OR b.has_dedicated_funding IS NULL THEN 'unknown'
        WHEN a.has_dedicated_funding = b.has_dedicated_funding THEN 'unchanged'
        WHEN b.has_dedicated_funding THEN 'gained'
        ELSE 'lost'
    END AS funding_change,
    a.approach AS approach_from,
    b.approach AS approach_to,
    a.approach IS DISTINCT FROM b.approach AND a.approach IS NOT NULL AND b.approach IS NOT NULL AS approach_changed,
    a.team_staff AS team_staff_from,
    b.team_staff AS team_staff_to,
    b.team_staff - a.team_staff AS team_staff_change,
    coalesce(ad.skills_added_count, 0) AS skills_added_count,
    coalesce(ad.skills_added, '') AS skills_added,
    coalesce(rm.skills_removed_count, 0) AS skills_removed_count,
    coalesce(rm.skills_removed, '') AS skills_removed
FROM pairs AS p
JOIN snapshots AS a ON a.snapshot_id = p.from_snapshot_id
JOIN snapshots AS b ON b.snapshot_id = p.to_snapshot_id
LEFT JOIN added AS ad ON ad.to_snapshot_id = p.to_snapshot_id
LEFT JOIN removed AS rm ON rm.to_snapshot_id = p.to_snapshot_id
ORDER BY p.city_key, to_wave
