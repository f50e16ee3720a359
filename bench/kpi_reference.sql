-- Hand-written DuckDB SQL for the default `kpis` table (KPI_SPEC.md): every warehouse KPI over the
-- windows in `win`, totals and by location. bench/kpi_bench.py fills in {legacy}, {new}, {go_live},
-- {as_of} and {windows} (VALUES rows: name, start, end, D) and times it against metrics/kpis.py.
-- Statements end with a double semicolon.

CREATE OR REPLACE TEMP TABLE win AS
SELECT * FROM (VALUES {windows}) AS t(wname, wstart, wend, d);;

-- ---------------------------------------------------------------- identities of new rows
CREATE OR REPLACE TEMP TABLE id_new AS
SELECT 'patients' AS t, patient_id AS k, CASE WHEN legacy_id IS NULL THEN '{new}:' || patient_id ELSE '{legacy}:' || legacy_id END AS id FROM patients WHERE source_system = '{new}'
UNION ALL SELECT 'payers', payer_id, CASE WHEN legacy_id IS NULL THEN '{new}:' || payer_id ELSE '{legacy}:' || legacy_id END FROM payers WHERE source_system = '{new}'
UNION ALL SELECT 'providers', provider_id, CASE WHEN legacy_id IS NULL THEN '{new}:' || provider_id ELSE '{legacy}:' || legacy_id END FROM providers WHERE source_system = '{new}'
UNION ALL SELECT 'locations', location_id, CASE WHEN legacy_id IS NULL THEN '{new}:' || location_id ELSE '{legacy}:' || legacy_id END FROM locations WHERE source_system = '{new}'
UNION ALL SELECT 'claims', claim_id, CASE WHEN legacy_id IS NULL THEN '{new}:' || claim_id ELSE '{legacy}:' || legacy_id END FROM claims WHERE source_system = '{new}'
UNION ALL SELECT 'appointments', appointment_id, CASE WHEN legacy_id IS NULL THEN '{new}:' || appointment_id ELSE '{legacy}:' || legacy_id END FROM appointments WHERE source_system = '{new}'
UNION ALL SELECT 'remits', remit_id, CASE WHEN legacy_id IS NULL THEN '{new}:' || remit_id ELSE '{legacy}:' || legacy_id END FROM remits WHERE source_system = '{new}';;


-- ---------------------------------------------------------------- undated tables
CREATE OR REPLACE TEMP TABLE k_providers AS
SELECT '{legacy}:' || provider_id AS id, discipline FROM providers WHERE source_system = '{legacy}'
UNION ALL
SELECT i.id, p.discipline FROM providers p JOIN id_new i ON i.t = 'providers' AND i.k = p.provider_id
WHERE p.source_system = '{new}' AND i.id NOT IN (SELECT '{legacy}:' || provider_id FROM providers WHERE source_system = '{legacy}');;

CREATE OR REPLACE TEMP TABLE k_payers AS
SELECT '{legacy}:' || payer_id AS id, payer_class FROM payers WHERE source_system = '{legacy}'
UNION ALL
SELECT i.id, p.payer_class FROM payers p JOIN id_new i ON i.t = 'payers' AND i.k = p.payer_id
WHERE p.source_system = '{new}' AND i.id NOT IN (SELECT '{legacy}:' || payer_id FROM payers WHERE source_system = '{legacy}');;

-- ---------------------------------------------------------------- claims (row date created_at)
CREATE OR REPLACE TEMP TABLE k_claims AS
WITH l AS (
  SELECT '{legacy}:' || claim_id AS id, '{legacy}:' || payer_id AS payer, '{legacy}:' || location_id AS location,
         '{legacy}:' || rendering_provider_id AS provider, service_date_from, created_at,
         CASE WHEN CAST(first_submitted_at AS DATE) > DATE '{as_of}' THEN NULL ELSE first_submitted_at END AS submitted,
         CAST(total_charge AS DOUBLE) AS charge, first_pass_accepted, edited_before_submission, true AS is_legacy
  FROM claims WHERE source_system = '{legacy}' AND CAST(created_at AS DATE) < DATE '{go_live}'),
n AS (
  SELECT ic.id, coalesce(ip.id, '{new}:' || c.payer_id), coalesce(il.id, '{new}:' || c.location_id),
         CASE WHEN c.rendering_provider_id IS NULL THEN NULL ELSE coalesce(iv.id, '{new}:' || c.rendering_provider_id) END,
         c.service_date_from, c.created_at,
         CASE WHEN CAST(c.first_submitted_at AS DATE) > DATE '{as_of}' THEN NULL ELSE c.first_submitted_at END,
         CAST(c.total_charge AS DOUBLE), c.first_pass_accepted, c.edited_before_submission, false
  FROM claims c JOIN id_new ic ON ic.t = 'claims' AND ic.k = c.claim_id
  LEFT JOIN id_new ip ON ip.t = 'payers' AND ip.k = c.payer_id
  LEFT JOIN id_new il ON il.t = 'locations' AND il.k = c.location_id
  LEFT JOIN id_new iv ON iv.t = 'providers' AND iv.k = c.rendering_provider_id
  WHERE c.source_system = '{new}' AND CAST(c.created_at AS DATE) >= DATE '{go_live}')
SELECT * FROM (SELECT * FROM l UNION ALL SELECT * FROM n WHERE id NOT IN (SELECT id FROM l))
WHERE CAST(created_at AS DATE) <= DATE '{as_of}';;

-- legacy claims without a twin: their money rows are kept at every date (run-off)
CREATE OR REPLACE TEMP TABLE runoff AS
SELECT claim_id AS k FROM claims WHERE source_system = '{legacy}'
AND claim_id NOT IN (SELECT legacy_id FROM claims WHERE source_system = '{new}' AND legacy_id IS NOT NULL);;

CREATE OR REPLACE TEMP TABLE k_payments AS
WITH l AS (
  SELECT '{legacy}:' || payment_id AS id, '{legacy}:' || claim_id AS claim, '{legacy}:' || payer_id AS payer,
         payment_date, CAST(amount AS DOUBLE) AS amount, method
  FROM payments WHERE source_system = '{legacy}' AND (payment_date < DATE '{go_live}' OR claim_id IN (SELECT k FROM runoff))),
n AS (
  SELECT CASE WHEN p.legacy_id IS NULL THEN '{new}:' || p.payment_id ELSE '{legacy}:' || p.legacy_id END AS id,
         coalesce(ic.id, '{new}:' || p.claim_id),
         CASE WHEN p.payer_id IS NULL THEN NULL ELSE coalesce(ip.id, '{new}:' || p.payer_id) END,
         p.payment_date, CAST(p.amount AS DOUBLE), p.method
  FROM payments p LEFT JOIN id_new ic ON ic.t = 'claims' AND ic.k = p.claim_id
  LEFT JOIN id_new ip ON ip.t = 'payers' AND ip.k = p.payer_id
  WHERE p.source_system = '{new}' AND p.payment_date >= DATE '{go_live}')
SELECT * FROM (SELECT * FROM l UNION ALL SELECT * FROM n WHERE id NOT IN (SELECT id FROM l))
WHERE payment_date <= DATE '{as_of}';;

CREATE OR REPLACE TEMP TABLE k_adjustments AS
WITH l AS (
  SELECT '{legacy}:' || adjustment_id AS id, adjustment_id AS raw_key, '{legacy}:' || claim_id AS claim,
         '{legacy}:' || remit_id AS remit, adjustment_date, group_code, reason_code, CAST(amount AS DOUBLE) AS amount
  FROM adjustments WHERE source_system = '{legacy}' AND (adjustment_date < DATE '{go_live}' OR claim_id IN (SELECT k FROM runoff))),
n AS (
  SELECT CASE WHEN a.legacy_id IS NULL THEN '{new}:' || a.adjustment_id ELSE '{legacy}:' || a.legacy_id END AS id, a.adjustment_id,
         coalesce(ic.id, '{new}:' || a.claim_id),
         CASE WHEN a.remit_id IS NULL THEN NULL ELSE coalesce(ir.id, '{new}:' || a.remit_id) END,
         a.adjustment_date, a.group_code, a.reason_code, CAST(a.amount AS DOUBLE)
  FROM adjustments a LEFT JOIN id_new ic ON ic.t = 'claims' AND ic.k = a.claim_id
  LEFT JOIN id_new ir ON ir.t = 'remits' AND ir.k = a.remit_id
  WHERE a.source_system = '{new}' AND a.adjustment_date >= DATE '{go_live}')
SELECT * FROM (SELECT * FROM l UNION ALL SELECT * FROM n WHERE id NOT IN (SELECT id FROM l))
WHERE adjustment_date <= DATE '{as_of}';;

CREATE OR REPLACE TEMP TABLE k_remits AS
WITH l AS (
  SELECT '{legacy}:' || remit_id AS id, remit_id AS raw_key, '{legacy}:' || claim_id AS claim, received_date, claim_status_code AS status
  FROM remits WHERE source_system = '{legacy}' AND (received_date < DATE '{go_live}' OR claim_id IN (SELECT k FROM runoff))),
n AS (
  SELECT ir.id, r.remit_id, coalesce(ic.id, '{new}:' || r.claim_id), r.received_date, r.claim_status_code
  FROM remits r JOIN id_new ir ON ir.t = 'remits' AND ir.k = r.remit_id
  LEFT JOIN id_new ic ON ic.t = 'claims' AND ic.k = r.claim_id
  WHERE r.source_system = '{new}' AND r.received_date >= DATE '{go_live}')
SELECT * FROM (SELECT * FROM l UNION ALL SELECT * FROM n WHERE id NOT IN (SELECT id FROM l))
WHERE received_date <= DATE '{as_of}';;

CREATE OR REPLACE TEMP TABLE k_lines AS
WITH l AS (
  SELECT '{legacy}:' || cl.claim_line_id AS id, '{legacy}:' || cl.appointment_id AS appointment, CAST(c.created_at AS DATE) AS d
  FROM claim_lines cl JOIN claims c ON c.source_system = '{legacy}' AND c.claim_id = cl.claim_id
  WHERE cl.source_system = '{legacy}' AND CAST(c.created_at AS DATE) < DATE '{go_live}'),
n AS (
  SELECT CASE WHEN cl.legacy_id IS NULL THEN '{new}:' || cl.claim_line_id ELSE '{legacy}:' || cl.legacy_id END AS id,
         CASE WHEN cl.appointment_id IS NULL THEN NULL ELSE coalesce(ia.id, '{new}:' || cl.appointment_id) END,
         CAST(c.created_at AS DATE)
  FROM claim_lines cl JOIN claims c ON c.source_system = '{new}' AND c.claim_id = cl.claim_id
  LEFT JOIN id_new ia ON ia.t = 'appointments' AND ia.k = cl.appointment_id
  WHERE cl.source_system = '{new}' AND CAST(c.created_at AS DATE) >= DATE '{go_live}')
SELECT * FROM (SELECT * FROM l UNION ALL SELECT * FROM n WHERE id NOT IN (SELECT id FROM l))
WHERE d <= DATE '{as_of}';;

-- ---------------------------------------------------------------- scheduling and clinical rows
CREATE OR REPLACE TEMP TABLE k_appts AS
WITH l AS (
  SELECT '{legacy}:' || appointment_id AS id, '{legacy}:' || patient_id AS patient, '{legacy}:' || provider_id AS provider,
         '{legacy}:' || location_id AS location, discipline, scheduled_start, duration_minutes, appointment_type, status
  FROM appointments WHERE source_system = '{legacy}' AND CAST(scheduled_start AS DATE) < DATE '{go_live}'),
n AS (
  SELECT ia.id, coalesce(ip.id, '{new}:' || a.patient_id), coalesce(iv.id, '{new}:' || a.provider_id),
         coalesce(il.id, '{new}:' || a.location_id), a.discipline, a.scheduled_start, a.duration_minutes, a.appointment_type, a.status
  FROM appointments a JOIN id_new ia ON ia.t = 'appointments' AND ia.k = a.appointment_id
  LEFT JOIN id_new ip ON ip.t = 'patients' AND ip.k = a.patient_id
  LEFT JOIN id_new iv ON iv.t = 'providers' AND iv.k = a.provider_id
  LEFT JOIN id_new il ON il.t = 'locations' AND il.k = a.location_id
  WHERE a.source_system = '{new}' AND CAST(a.scheduled_start AS DATE) >= DATE '{go_live}')
SELECT *, CAST(scheduled_start AS DATE) AS d FROM (SELECT * FROM l UNION ALL SELECT * FROM n WHERE id NOT IN (SELECT id FROM l))
WHERE CAST(scheduled_start AS DATE) <= DATE '{as_of}';;

CREATE OR REPLACE TEMP TABLE k_notes AS
WITH l AS (
  SELECT '{legacy}:' || note_id AS id, '{legacy}:' || patient_id AS patient, '{legacy}:' || provider_id AS provider,
         '{legacy}:' || appointment_id AS appointment, note_type, visit_date, signed_at, documentation_seconds, requires_cosign, cosigned_at
  FROM notes WHERE source_system = '{legacy}' AND visit_date < DATE '{go_live}'),
n AS (
  SELECT CASE WHEN x.legacy_id IS NULL THEN '{new}:' || x.note_id ELSE '{legacy}:' || x.legacy_id END AS id,
         coalesce(ip.id, '{new}:' || x.patient_id), coalesce(iv.id, '{new}:' || x.provider_id),
         CASE WHEN x.appointment_id IS NULL THEN NULL ELSE coalesce(ia.id, '{new}:' || x.appointment_id) END,
         x.note_type, x.visit_date, x.signed_at, x.documentation_seconds, x.requires_cosign, x.cosigned_at
  FROM notes x LEFT JOIN id_new ip ON ip.t = 'patients' AND ip.k = x.patient_id
  LEFT JOIN id_new iv ON iv.t = 'providers' AND iv.k = x.provider_id
  LEFT JOIN id_new ia ON ia.t = 'appointments' AND ia.k = x.appointment_id
  WHERE x.source_system = '{new}' AND x.visit_date >= DATE '{go_live}')
SELECT id, patient, provider, appointment, note_type, visit_date, documentation_seconds, requires_cosign,
       CASE WHEN CAST(signed_at AS DATE) > DATE '{as_of}' THEN NULL ELSE signed_at END AS signed_at,
       CASE WHEN CAST(cosigned_at AS DATE) > DATE '{as_of}' THEN NULL ELSE cosigned_at END AS cosigned_at
FROM (SELECT * FROM l UNION ALL SELECT * FROM n WHERE id NOT IN (SELECT id FROM l))
WHERE visit_date <= DATE '{as_of}';;

CREATE OR REPLACE TEMP TABLE k_schedule AS
SELECT '{legacy}:' || provider_id AS provider, '{legacy}:' || location_id AS location, work_date, available_minutes
FROM provider_schedule WHERE source_system = '{legacy}' AND work_date < DATE '{go_live}' AND work_date <= DATE '{as_of}'
UNION ALL
SELECT coalesce(iv.id, '{new}:' || s.provider_id), coalesce(il.id, '{new}:' || s.location_id), s.work_date, s.available_minutes
FROM provider_schedule s LEFT JOIN id_new iv ON iv.t = 'providers' AND iv.k = s.provider_id
LEFT JOIN id_new il ON il.t = 'locations' AND il.k = s.location_id
WHERE s.source_system = '{new}' AND s.work_date >= DATE '{go_live}' AND s.work_date <= DATE '{as_of}';;

CREATE OR REPLACE TEMP TABLE k_auths AS
WITH l AS (
  SELECT '{legacy}:' || authorization_id AS id, requested_at, decided_at, status FROM authorizations
  WHERE source_system = '{legacy}' AND CAST(requested_at AS DATE) < DATE '{go_live}'),
n AS (
  SELECT CASE WHEN legacy_id IS NULL THEN '{new}:' || authorization_id ELSE '{legacy}:' || legacy_id END AS id, requested_at, decided_at, status
  FROM authorizations WHERE source_system = '{new}' AND CAST(requested_at AS DATE) >= DATE '{go_live}')
SELECT id, requested_at, status, CASE WHEN CAST(decided_at AS DATE) > DATE '{as_of}' THEN NULL ELSE decided_at END AS decided_at
FROM (SELECT * FROM l UNION ALL SELECT * FROM n WHERE id NOT IN (SELECT id FROM l))
WHERE CAST(requested_at AS DATE) <= DATE '{as_of}';;

CREATE OR REPLACE TEMP TABLE k_referrals AS
WITH l AS (
  SELECT '{legacy}:' || referral_id AS id, '{legacy}:' || patient_id AS patient, received_at, discipline FROM referrals
  WHERE source_system = '{legacy}' AND CAST(received_at AS DATE) < DATE '{go_live}'),
n AS (
  SELECT CASE WHEN r.legacy_id IS NULL THEN '{new}:' || r.referral_id ELSE '{legacy}:' || r.legacy_id END AS id,
         coalesce(ip.id, '{new}:' || r.patient_id), r.received_at, r.discipline
  FROM referrals r LEFT JOIN id_new ip ON ip.t = 'patients' AND ip.k = r.patient_id
  WHERE r.source_system = '{new}' AND CAST(r.received_at AS DATE) >= DATE '{go_live}')
SELECT * FROM (SELECT * FROM l UNION ALL SELECT * FROM n WHERE id NOT IN (SELECT id FROM l))
WHERE CAST(received_at AS DATE) <= DATE '{as_of}';;

-- ---------------------------------------------------------------- facts: (kpi, event date, num, den, location)
CREATE OR REPLACE TEMP TABLE facts AS
WITH
initial AS (
  SELECT * FROM (SELECT r.*, row_number() OVER (PARTITION BY claim ORDER BY received_date,
      CASE WHEN regexp_full_match(raw_key, '[0-9]+') THEN '0' || lpad(raw_key, 40, '0') ELSE '1' || raw_key END, id) AS rn
    FROM k_remits r WHERE status IN ('1','2','3','4','19','20','21')) WHERE rn = 1),
dup AS (SELECT DISTINCT remit FROM k_adjustments WHERE reason_code = '18'),
first_denial AS (
  SELECT remit, reason_code FROM (SELECT a.*, row_number() OVER (PARTITION BY remit ORDER BY
      CASE WHEN regexp_full_match(raw_key, '[0-9]+') THEN '0' || lpad(raw_key, 40, '0') ELSE '1' || raw_key END, id) AS rn
    FROM k_adjustments a WHERE remit IS NOT NULL AND reason_code NOT IN ('1','2','3','23','24','45','59','94','131','144','237','253','18'))
  WHERE rn = 1),
adjudicated AS (
  SELECT c.id, c.location, c.charge, i.received_date AS d, (i.status = '4' OR f.reason_code IS NOT NULL) AS denied
  FROM initial i JOIN k_claims c ON c.id = i.claim LEFT JOIN first_denial f ON f.remit = i.id
  WHERE i.status IN ('1','4','19') AND i.id NOT IN (SELECT remit FROM dup)),
paid AS (SELECT claim, sum(amount) AS paid FROM k_payments GROUP BY claim),
contractual AS (SELECT claim, sum(amount) AS amt FROM k_adjustments WHERE group_code = 'CO' AND reason_code IN ('45','59','253') GROUP BY claim),
visits AS (SELECT * FROM k_appts WHERE status = 'completed'),
billed AS (SELECT DISTINCT appointment FROM k_lines WHERE appointment IS NOT NULL),
notes AS (
  SELECT n.*, p.discipline, a.location, epoch(a.scheduled_start) + a.duration_minutes * 60.0 AS visit_end, epoch(n.signed_at) AS signed
  FROM k_notes n LEFT JOIN k_providers p ON p.id = n.provider LEFT JOIN k_appts a ON a.id = n.appointment),
vday AS (SELECT patient, discipline, d, count(*) AS n FROM visits GROUP BY ALL),
aday AS (SELECT DISTINCT patient, discipline, visit_date AS d FROM notes
         WHERE note_type IN ('evaluation','progress','re_evaluation','discharge') AND discipline IS NOT NULL),
days AS (
  SELECT coalesce(v.patient, a.patient) AS patient, coalesce(v.discipline, a.discipline) AS discipline,
         coalesce(v.d, a.d) AS d, coalesce(v.n, 0) AS n, a.d IS NOT NULL AS anchor
  FROM vday v FULL JOIN aday a ON v.patient = a.patient AND v.discipline = a.discipline AND v.d = a.d),
running AS (
  SELECT *, sum(n) OVER w AS cum FROM days WINDOW w AS (PARTITION BY patient, discipline ORDER BY d ROWS UNBOUNDED PRECEDING)),
judged AS (
  SELECT patient, discipline, d, cum - max(CASE WHEN anchor THEN cum - n END) OVER (PARTITION BY patient, discipline ORDER BY d ROWS UNBOUNDED PRECEDING) AS since
  FROM running),
conversions AS (
  SELECT r.id, min(a.scheduled_start) AS first_eval FROM k_referrals r JOIN visits a
  ON a.patient = r.patient AND a.appointment_type = 'initial_eval' AND (r.discipline IS NULL OR r.discipline = a.discipline)
  AND a.d BETWEEN CAST(r.received_at AS DATE) AND CAST(r.received_at AS DATE) + INTERVAL 30 DAY
  GROUP BY r.id)
SELECT 'clean_claim_rate' AS kpi, CAST(submitted AS DATE) AS d, CASE WHEN NOT edited_before_submission THEN 1.0 ELSE 0.0 END AS num, 1.0 AS den, location
  FROM k_claims WHERE submitted IS NOT NULL AND edited_before_submission IS NOT NULL
UNION ALL SELECT 'first_pass_acceptance_rate', CAST(submitted AS DATE), CASE WHEN first_pass_accepted THEN 1.0 ELSE 0.0 END, 1.0, location
  FROM k_claims WHERE submitted IS NOT NULL AND first_pass_accepted IS NOT NULL
UNION ALL SELECT 'denial_rate', d, CASE WHEN denied THEN 1.0 ELSE 0.0 END, 1.0, location FROM adjudicated
UNION ALL SELECT 'denial_rate_dollars', d, CASE WHEN denied THEN charge ELSE 0.0 END, charge, location FROM adjudicated
UNION ALL SELECT 'net_collection_rate', c.service_date_from, coalesce(p.paid, 0.0), c.charge - coalesce(k.amt, 0.0), c.location
  FROM k_claims c LEFT JOIN paid p ON p.claim = c.id LEFT JOIN contractual k ON k.claim = c.id
UNION ALL SELECT 'revenue_per_visit', c.service_date_from, coalesce(p.paid, 0.0), NULL, c.location FROM k_claims c LEFT JOIN paid p ON p.claim = c.id
UNION ALL SELECT 'revenue_per_visit', d, NULL, 1.0, location FROM visits
UNION ALL SELECT 'charge_lag_days', service_date_from, CAST(date_diff('day', service_date_from, CAST(created_at AS DATE)) AS DOUBLE), 1.0, location FROM k_claims
UNION ALL SELECT 'charge_capture_rate', v.d, CASE WHEN b.appointment IS NOT NULL THEN 1.0 ELSE 0.0 END, 1.0, v.location
  FROM visits v LEFT JOIN billed b ON b.appointment = v.id
UNION ALL SELECT 'era_rate', payment_date, CASE WHEN method = 'era' THEN 1.0 ELSE 0.0 END, 1.0, NULL FROM k_payments WHERE payer IS NOT NULL
UNION ALL SELECT 'documentation_minutes', visit_date, documentation_seconds / 60.0, 1.0, location FROM notes
  WHERE signed_at IS NOT NULL AND documentation_seconds IS NOT NULL
UNION ALL SELECT 'note_lag_hours', visit_date, (signed - visit_end) / 3600.0, 1.0, location FROM notes
  WHERE signed_at IS NOT NULL AND visit_end IS NOT NULL
UNION ALL SELECT 'notes_signed_24h_rate', visit_date, CASE WHEN signed IS NOT NULL AND signed <= visit_end + 86400 THEN 1.0 ELSE 0.0 END, 1.0, location
  FROM notes WHERE visit_end IS NOT NULL AND visit_end + 86400 <= epoch(CAST(DATE '{as_of}' + INTERVAL 1 DAY AS TIMESTAMP))
UNION ALL SELECT 'cosign_rate', visit_date, CASE WHEN cosigned_at IS NOT NULL AND epoch(cosigned_at) <= signed + 7 * 86400 THEN 1.0 ELSE 0.0 END, 1.0, location
  FROM notes WHERE signed_at IS NOT NULL AND requires_cosign
UNION ALL SELECT 'progress_note_compliance', v.d, CASE WHEN j.since <= 10 THEN 1.0 ELSE 0.0 END, 1.0, v.location
  FROM visits v JOIN judged j ON j.patient = v.patient AND j.discipline = v.discipline AND j.d = v.d WHERE j.since IS NOT NULL
UNION ALL SELECT 'pa_approval_rate', CAST(decided_at AS DATE), CASE WHEN status = 'approved' THEN 1.0 ELSE 0.0 END, 1.0, NULL
  FROM k_auths WHERE decided_at IS NOT NULL AND status IN ('approved', 'denied')
UNION ALL SELECT 'pa_turnaround_days', CAST(decided_at AS DATE), (epoch(decided_at) - epoch(requested_at)) / 86400.0, 1.0, NULL
  FROM k_auths WHERE decided_at IS NOT NULL
UNION ALL SELECT 'fill_rate', d, duration_minutes, NULL, location FROM k_appts WHERE status IN ('scheduled','completed','no_show','late_cancel')
UNION ALL SELECT 'fill_rate', work_date, NULL, available_minutes, location FROM k_schedule
UNION ALL SELECT 'no_show_rate', d, CASE WHEN status = 'no_show' THEN 1.0 ELSE 0.0 END, 1.0, location
  FROM k_appts WHERE status IN ('completed','no_show','late_cancel','cancelled')
UNION ALL SELECT 'cancellation_rate', d, CASE WHEN status IN ('cancelled','late_cancel') THEN 1.0 ELSE 0.0 END, 1.0, location
  FROM k_appts WHERE status IN ('completed','no_show','late_cancel','cancelled')
UNION ALL SELECT 'referral_conversion_rate', CAST(r.received_at AS DATE), CASE WHEN c.id IS NOT NULL THEN 1.0 ELSE 0.0 END, 1.0, NULL
  FROM k_referrals r LEFT JOIN conversions c ON c.id = r.id
UNION ALL SELECT 'referral_to_first_visit_days', CAST(r.received_at AS DATE), (epoch(c.first_eval) - epoch(r.received_at)) / 86400.0, 1.0, NULL
  FROM k_referrals r JOIN conversions c ON c.id = r.id;;

-- ---------------------------------------------------------------- point in time: claim balances on each D
CREATE OR REPLACE TEMP TABLE pit AS
WITH
paid AS (SELECT p.claim, w.wname, sum(p.amount) AS amt FROM k_payments p JOIN win w ON p.payment_date <= w.d GROUP BY ALL),
adj AS (SELECT a.claim, w.wname, sum(a.amount) AS amt FROM k_adjustments a JOIN win w ON a.adjustment_date <= w.d
        WHERE a.group_code <> 'PR' GROUP BY ALL),
bal AS (
  SELECT c.id, c.location, c.is_legacy, c.service_date_from, CAST(c.created_at AS DATE) AS created, c.charge, w.wname, w.d,
         c.charge - coalesce(p.amt, 0.0) - coalesce(a.amt, 0.0) AS balance
  FROM k_claims c JOIN win w ON CAST(c.created_at AS DATE) <= w.d
  LEFT JOIN paid p ON p.claim = c.id AND p.wname = w.wname
  LEFT JOIN adj a ON a.claim = c.id AND a.wname = w.wname)
SELECT 'days_in_ar' AS kpi, wname, greatest(balance, 0.0) AS num,
       CASE WHEN created >= d - INTERVAL 89 DAY THEN charge / 90.0 ELSE 0.0 END AS den, location FROM bal
UNION ALL SELECT 'ar_over_90_rate', wname, CASE WHEN service_date_from <= d - INTERVAL 90 DAY THEN greatest(balance, 0.0) ELSE 0.0 END,
       greatest(balance, 0.0), location FROM bal
UNION ALL SELECT 'legacy_ar', wname, balance, NULL, location FROM bal
  WHERE is_legacy AND balance > 0 AND d >= DATE '{go_live}' AND id IN (SELECT '{legacy}:' || k FROM runoff);;

-- ---------------------------------------------------------------- the table: totals and by location
WITH all_facts AS (
  SELECT f.kpi, w.wname, f.num, f.den, f.location FROM facts f JOIN win w ON f.d >= w.wstart AND f.d < w.wend
  UNION ALL SELECT kpi, wname, num, den, location FROM pit)
SELECT kpi, wname AS "window", NULL AS location, sum(num) AS num, sum(den) AS den FROM all_facts GROUP BY kpi, wname
UNION ALL
SELECT kpi, wname, location, sum(num), sum(den) FROM all_facts
WHERE kpi NOT IN ('era_rate', 'pa_approval_rate', 'pa_turnaround_days', 'referral_conversion_rate', 'referral_to_first_visit_days')
GROUP BY kpi, wname, location;;
