-- agg_item_frequency for dashboards: per survey wave, list and code, the share of cities naming it,
-- with its 95% Wilson interval, a readable list name and the code's rank within its list (1 = named by
-- most cities).
SELECT
    survey_wave,
    make_date(survey_wave::INTEGER, 1, 1) AS wave_date,
    dimension,
    upper(dimension[1]) || replace(dimension[2:], '_', ' ') AS dimension_label,
    code,
    label,
    cities,
    cities_in_wave,
    cities_answering,
    pct_of_cities,
    pct_of_cities_ci_low,
    pct_of_cities_ci_high,
    pct_of_answering,
    pct_of_answering_ci_low,
    pct_of_answering_ci_high,
    rank() OVER (PARTITION BY survey_wave, dimension ORDER BY cities DESC) AS rank_in_list
FROM agg_item_frequency
ORDER BY survey_wave, dimension, rank_in_list, code
