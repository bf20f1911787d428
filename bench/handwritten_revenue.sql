-- The revenue metrics written by hand as plain DuckDB SQL: the yardstick Tenure is benchmarked
-- against (bench/revenue.py). Month-end MRR snapshot, five movements, logo churn, monthly GRR/NRR,
-- trailing-twelve-month NRR and cohort retention. Parameters: $first (first month) and $end
-- (exclusive month bound). Default definitions only: trials excluded, churn at service end,
-- same-month join-and-leave included, every return a reactivation.
-- Money per customer (ARPA, ARC, CAC) is an exact division rounded half away from zero to the
-- cent, in integer cents: DuckDB divides decimals in floating point, which turns an exact
-- half-cent such as 22504.05 / 10 into 2250.40.
CREATE OR REPLACE TEMP MACRO money_per(amount, n) AS
    CAST(CAST(sign(amount) * ((abs(CAST(amount * 100 AS BIGINT)) * 2 + n) // (NULLIF(n, 0) * 2))
              AS DECIMAL(18, 2)) * 0.01 AS DECIMAL(18, 2));
CREATE OR REPLACE TEMP TABLE hand_account_months AS
WITH months AS (
    SELECT CAST(range AS DATE) AS month,
           CAST(range + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE) AS last_day
    FROM range(CAST($first AS DATE), CAST($end AS DATE), INTERVAL 1 MONTH)
),
paid_lines AS (
    SELECT account_id, mrr, start_date, COALESCE(end_date, DATE '9999-12-31') AS end_date
    FROM subscriptions
    WHERE NOT is_trial AND mrr > 0 AND (end_date IS NULL OR end_date > start_date)
),
-- every line with each month it touches
line_months AS (
    SELECT l.*, m.month, m.last_day
    FROM paid_lines l
    JOIN months m ON l.start_date <= m.last_day AND l.end_date > m.month
),
snapshot AS (
    SELECT account_id, month,
           SUM(mrr) FILTER (WHERE end_date > last_day) AS mrr,
           bool_and(start_date >= month AND end_date <= last_day) AS all_inside
    FROM line_months
    GROUP BY account_id, month
),
-- same-month join and leave: no MRR at either month-end, paid service inside the month: its
-- size is the largest MRR in force on any day, reached on some line's start day
peaks AS (
    SELECT account_id, month, MAX(day_mrr) AS joined_and_left_mrr
    FROM (
        SELECT d.account_id, d.month, d.start_date, SUM(l.mrr) AS day_mrr
        FROM line_months d
        JOIN line_months l
          ON l.account_id = d.account_id AND l.month = d.month
         AND l.start_date <= d.start_date AND l.end_date > d.start_date
        JOIN snapshot s ON s.account_id = d.account_id AND s.month = d.month AND s.all_inside
        GROUP BY d.account_id, d.month, d.start_date
    )
    GROUP BY account_id, month
),
paid_months AS (
    SELECT s.account_id, s.month, COALESCE(s.mrr, 0) AS mrr, p.joined_and_left_mrr
    FROM snapshot s LEFT JOIN peaks p USING (account_id, month)
    WHERE s.mrr > 0 OR p.joined_and_left_mrr IS NOT NULL
),
first_paid AS (
    SELECT account_id, MIN(month) AS first_paid_month FROM paid_months GROUP BY account_id
),
spine AS (
    SELECT f.account_id, m.month, f.first_paid_month
    FROM first_paid f JOIN months m ON m.month >= f.first_paid_month
),
filled AS (
    SELECT s.account_id, s.month, s.first_paid_month, COALESCE(p.mrr, 0) AS mrr,
           p.joined_and_left_mrr
    FROM spine s LEFT JOIN paid_months p USING (account_id, month)
),
lagged AS (
    SELECT *, COALESCE(LAG(mrr) OVER (PARTITION BY account_id ORDER BY month), 0) AS previous_mrr
    FROM filled
),
started AS (
    SELECT *,
        previous_mrr = 0 AND (mrr > 0 OR joined_and_left_mrr IS NOT NULL) AS starts,
        CASE WHEN mrr > 0 THEN mrr ELSE COALESCE(joined_and_left_mrr, 0) END AS started_mrr
    FROM lagged
)
SELECT account_id, month, first_paid_month, mrr, previous_mrr,
    joined_and_left_mrr IS NOT NULL AS joined_and_left,
    CASE WHEN starts AND month = first_paid_month THEN started_mrr ELSE 0 END AS new_mrr,
    CASE WHEN starts AND month > first_paid_month THEN started_mrr ELSE 0 END AS reactivation_mrr,
    CASE WHEN previous_mrr > 0 AND mrr > previous_mrr THEN mrr - previous_mrr ELSE 0 END
        AS expansion_mrr,
    CASE WHEN previous_mrr > 0 AND mrr > 0 AND mrr < previous_mrr THEN mrr - previous_mrr ELSE 0 END
        AS contraction_mrr,
    CASE WHEN previous_mrr > 0 AND mrr = 0 THEN -previous_mrr
         WHEN joined_and_left_mrr IS NOT NULL THEN -joined_and_left_mrr
         ELSE 0 END AS churned_mrr
FROM started;

CREATE OR REPLACE TEMP TABLE hand_monthly AS
WITH totals AS (
    SELECT month,
           SUM(mrr) AS mrr,
           SUM(previous_mrr) AS previous_mrr,
           COUNT(*) FILTER (WHERE mrr > 0) AS customers,
           COUNT(*) FILTER (WHERE previous_mrr > 0) AS previous_customers,
           COUNT(*) FILTER (WHERE previous_mrr > 0 AND mrr = 0) AS churned_customers,
           COUNT(*) FILTER (WHERE new_mrr > 0) AS new_customers,
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
       money_per(t.mrr, t.customers) AS arpa,
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
-- a cohort is the accounts paying at the end of their first paid month
members AS (
    SELECT account_id, cohort, mrr AS starting_mrr
    FROM sized WHERE months_since_start = 0 AND mrr > 0
),
starts AS (
    SELECT cohort, COUNT(*) AS cohort_customers, SUM(starting_mrr) AS cohort_mrr
    FROM members GROUP BY cohort
)
SELECT s.cohort, s.months_since_start, st.cohort_customers, st.cohort_mrr,
       COUNT(*) FILTER (WHERE s.mrr > 0) AS customers, SUM(s.mrr) AS mrr,
       COUNT(*) FILTER (WHERE s.mrr > 0) / st.cohort_customers AS logo_retention,
       SUM(s.mrr) / NULLIF(st.cohort_mrr, 0) AS revenue_retention
FROM sized s
JOIN members m USING (account_id, cohort)
JOIN starts st USING (cohort)
GROUP BY s.cohort, s.months_since_start, st.cohort_customers, st.cohort_mrr
ORDER BY s.cohort, s.months_since_start;

CREATE OR REPLACE TEMP TABLE hand_unit_economics AS
WITH spent AS (
    SELECT month, SUM(sales_marketing) AS sales_marketing, SUM(cost_of_service) AS cost_of_service
    FROM spend GROUP BY month
),
joined AS (
    SELECT m.month, m.customers, m.new_customers, m.mrr, m.arpa, m.logo_churn_rate,
           s.sales_marketing, s.cost_of_service,
           AVG(m.logo_churn_rate) OVER (ORDER BY m.month ROWS 2 PRECEDING)
               AS trailing_logo_churn_rate,
           SUM(m.mrr) OVER (ORDER BY m.month ROWS 2 PRECEDING) AS quarter_revenue,
           SUM(m.mrr) OVER (ORDER BY m.month ROWS BETWEEN 5 PRECEDING AND 3 PRECEDING)
               AS last_quarter_revenue,
           SUM(s.sales_marketing) OVER (ORDER BY m.month ROWS BETWEEN 5 PRECEDING AND 3 PRECEDING)
               AS last_quarter_spend,
           COUNT(*) OVER (ORDER BY m.month ROWS BETWEEN 5 PRECEDING AND 0 PRECEDING) AS six
    FROM hand_monthly m LEFT JOIN spent s USING (month)
),
margins AS (
    SELECT *, 1 - cost_of_service / mrr AS gross_margin,
           money_per(sales_marketing, new_customers) AS cac
    FROM joined
)
SELECT month, customers, new_customers, mrr, arpa, logo_churn_rate, trailing_logo_churn_rate,
       sales_marketing, cost_of_service, gross_margin,
       ROUND(arpa / NULLIF(trailing_logo_churn_rate, 0), 2) AS revenue_ltv,
       ROUND(arpa * gross_margin / NULLIF(trailing_logo_churn_rate, 0), 2) AS ltv,
       cac,
       cac / NULLIF(CASE WHEN arpa * gross_margin > 0 THEN arpa * gross_margin END, 0)
           AS cac_payback_months,
       CASE WHEN six = 6 THEN (quarter_revenue - last_quarter_revenue) * 4
                              / NULLIF(last_quarter_spend, 0) END AS magic_number,
       money_per(cost_of_service, customers) AS arc,
       mrr - cost_of_service - sales_marketing AS profit
FROM margins
ORDER BY month;

CREATE OR REPLACE TEMP TABLE hand_trials AS
WITH months AS (
    SELECT CAST(range AS DATE) AS month
    FROM range(CAST($first AS DATE), CAST($end AS DATE), INTERVAL 1 MONTH)
),
started AS (
    SELECT CAST(date_trunc('month', started_at) AS DATE) AS month, started_at, ends_at,
           converted_at, datediff('day', started_at, converted_at) AS days
    FROM trials
)
SELECT m.month,
       COUNT(s.started_at) AS trials_started,
       COUNT(s.converted_at) AS converted,
       COUNT(s.converted_at) / NULLIF(COUNT(s.started_at), 0) AS conversion_rate,
       COUNT(*) FILTER (WHERE s.converted_at < s.ends_at) AS converted_within_trial,
       COUNT(*) FILTER (WHERE s.converted_at >= s.ends_at) AS converted_after_trial,
       quantile_cont(s.days, 0.5) AS median_days_to_convert,
       AVG(s.days) AS mean_days_to_convert
FROM months m LEFT JOIN started s USING (month)
GROUP BY m.month
ORDER BY m.month;
