-- The revenue metrics written by hand as plain DuckDB SQL: the yardstick Tenure is benchmarked
-- against (bench/revenue.py). Month-end MRR snapshot, five movements, logo churn, monthly GRR/NRR,
-- trailing-twelve-month NRR and cohort retention. Parameters: $first (first month) and $end
-- (exclusive month bound). It has no definition settings (trials excluded, service-end churn).
CREATE OR REPLACE TEMP TABLE hand_account_months AS
WITH months AS (
    SELECT CAST(range AS DATE) AS month,
           CAST(range + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE) AS last_day
    FROM range(CAST($first AS DATE), CAST($end AS DATE), INTERVAL 1 MONTH)
),
paid_lines AS (
    SELECT account_id, mrr, start_date, end_date
    FROM subscriptions
    WHERE NOT is_trial AND mrr > 0
),
snapshot AS (
    SELECT l.account_id, m.month, SUM(l.mrr) AS mrr
    FROM paid_lines l
    JOIN months m
      ON l.start_date <= m.last_day AND (l.end_date IS NULL OR l.end_date > m.last_day)
    GROUP BY l.account_id, m.month
),
first_paid AS (
    SELECT account_id, MIN(month) AS first_paid_month FROM snapshot GROUP BY account_id
),
spine AS (
    SELECT f.account_id, m.month, f.first_paid_month
    FROM first_paid f JOIN months m ON m.month >= f.first_paid_month
),
filled AS (
    SELECT s.account_id, s.month, s.first_paid_month, COALESCE(n.mrr, 0) AS mrr
    FROM spine s LEFT JOIN snapshot n USING (account_id, month)
),
lagged AS (
    SELECT *, COALESCE(LAG(mrr) OVER (PARTITION BY account_id ORDER BY month), 0) AS previous_mrr
    FROM filled
)
SELECT *,
    CASE WHEN previous_mrr = 0 AND mrr > 0 AND month = first_paid_month THEN mrr ELSE 0 END
        AS new_mrr,
    CASE WHEN previous_mrr = 0 AND mrr > 0 AND month > first_paid_month THEN mrr ELSE 0 END
        AS reactivation_mrr,
    CASE WHEN previous_mrr > 0 AND mrr > previous_mrr THEN mrr - previous_mrr ELSE 0 END
        AS expansion_mrr,
    CASE WHEN previous_mrr > 0 AND mrr > 0 AND mrr < previous_mrr THEN mrr - previous_mrr ELSE 0 END
        AS contraction_mrr,
    CASE WHEN previous_mrr > 0 AND mrr = 0 THEN -previous_mrr ELSE 0 END AS churned_mrr
FROM lagged;

CREATE OR REPLACE TEMP TABLE hand_monthly AS
WITH totals AS (
    SELECT month,
           SUM(mrr) AS mrr,
           SUM(previous_mrr) AS previous_mrr,
           COUNT(*) FILTER (WHERE mrr > 0) AS customers,
           COUNT(*) FILTER (WHERE previous_mrr > 0) AS previous_customers,
           COUNT(*) FILTER (WHERE previous_mrr > 0 AND mrr = 0) AS churned_customers,
           SUM(new_mrr) AS new_mrr, SUM(expansion_mrr) AS expansion_mrr,
           SUM(reactivation_mrr) AS reactivation_mrr, SUM(contraction_mrr) AS contraction_mrr,
           SUM(churned_mrr) AS churned_mrr,
           SUM(LEAST(mrr, previous_mrr)) FILTER (WHERE previous_mrr > 0) AS retained_capped,
           SUM(mrr) FILTER (WHERE previous_mrr > 0) AS retained
    FROM hand_account_months GROUP BY month
),
ttm AS (
    SELECT now.month,
           SUM(now.mrr) / NULLIF(SUM(ago.mrr), 0) AS nrr_ttm,
           SUM(LEAST(now.mrr, ago.mrr)) / NULLIF(SUM(ago.mrr), 0) AS grr_ttm
    FROM hand_account_months now
    JOIN hand_account_months ago
      ON ago.account_id = now.account_id AND ago.month = now.month - INTERVAL 12 MONTH
    WHERE ago.mrr > 0
    GROUP BY now.month
)
SELECT t.*,
       12 * t.mrr AS arr,
       t.mrr / NULLIF(t.customers, 0) AS arpa,
       t.churned_customers / NULLIF(t.previous_customers, 0) AS logo_churn_rate,
       t.retained_capped / NULLIF(t.previous_mrr, 0) AS grr,
       t.retained / NULLIF(t.previous_mrr, 0) AS nrr,
       (t.new_mrr + t.expansion_mrr + t.reactivation_mrr)
           / NULLIF(-(t.churned_mrr + t.contraction_mrr), 0) AS quick_ratio,
       ttm.nrr_ttm, ttm.grr_ttm
FROM totals t LEFT JOIN ttm USING (month)
ORDER BY month;

CREATE OR REPLACE TEMP TABLE hand_cohorts AS
WITH sized AS (
    SELECT first_paid_month AS cohort,
           datediff('month', first_paid_month, month) AS months_since_start,
           account_id, mrr
    FROM hand_account_months
),
starts AS (
    SELECT cohort, COUNT(*) AS cohort_customers, SUM(mrr) AS cohort_mrr
    FROM sized WHERE months_since_start = 0 GROUP BY cohort
)
SELECT s.cohort, s.months_since_start, st.cohort_customers, st.cohort_mrr,
       COUNT(*) FILTER (WHERE s.mrr > 0) AS customers, SUM(s.mrr) AS mrr,
       COUNT(*) FILTER (WHERE s.mrr > 0) / st.cohort_customers AS logo_retention,
       SUM(s.mrr) / NULLIF(st.cohort_mrr, 0) AS revenue_retention
FROM sized s JOIN starts st USING (cohort)
GROUP BY s.cohort, s.months_since_start, st.cohort_customers, st.cohort_mrr
ORDER BY s.cohort, s.months_since_start;
