-- The headline answers in long form, one row per survey wave and measure of schemas/measures.yaml
-- (formal strategy, dedicated funding, dedicated team, priority areas, each approach): the share of the
-- cities answering, with its 95% Wilson interval; ready for a bar chart by wave.
SELECT
    survey_wave,
    make_date(survey_wave::INTEGER, 1, 1) AS wave_date,
    measure,
    min(measure_label) AS label,
    count(*) FILTER (WHERE has_it) AS cities_with,
    count(*) FILTER (WHERE answered) AS cities_answering,
    count(*) AS cities_in_wave,
    share_pct(count(*) FILTER (WHERE has_it), count(*) FILTER (WHERE answered)) AS pct_of_answering,
    wilson_low_pct(count(*) FILTER (WHERE has_it), count(*) FILTER (WHERE answered)) AS ci_low_pct,
    wilson_high_pct(count(*) FILTER (WHERE has_it), count(*) FILTER (WHERE answered)) AS ci_high_pct
FROM {measure_answers}
GROUP BY survey_wave, sort_order, measure
ORDER BY survey_wave, sort_order, measure
