-- agg_item_frequency for dashboards: per survey wave, list and code, the share of cities naming it,
-- with a readable list name and the code's rank within its list (1 = named by most cities).
SELECT
    survey_wave,
    dimension,
    upper(dimension[1]) || replace(dimension[2:], '_', ' ') AS dimension_label,
    code,
    label,
    cities,
    cities_in_wave,
    cities_answering,
    pct_of_cities,
    pct_of_answering,
    rank() OVER (PARTITION BY survey_wave, dimension ORDER BY cities DESC) AS rank_in_list
FROM agg_item_frequency
ORDER BY survey_wave, dimension, rank_in_list, code
