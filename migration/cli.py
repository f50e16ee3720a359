"""``python manage.py migration-check [--format json|table]`` (ARCHITECTURE.md, CLI contract).

Exit status 0 whether or not there are findings; non-zero (2, via manage.py) only when the check
cannot run, with the reason. Every run is kept in the run history (tracker/migration_runs.py).
"""

from __future__ import annotations

import json
import sys

from auth import audit
from config.settings import Settings
from migration.runner import run_and_store


def _table_text(result) -> str:
    s = result.summary
    lines = [f"Migration check: go-live {s['go_live']}, cut-over day {s['cutover_day']} "
             f"({s['legacy_source']} -> {s['new_source']})", ""]
    lines.append(f"{'record type':<16}{'in scope':>10}{'matched':>10}{'missing':>10}{'extra':>8}")
    for table, c in s["tables"].items():
        lines.append(f"{table:<16}{c['in_scope']:>10}{c['matched']:>10}{c['missing']:>10}{c['extra']:>8}")
    ar = s["open_ar"]
    lines += ["", f"Open AR at cut-over: legacy {ar['legacy']:,.2f} vs new {ar['new']:,.2f}, "
                  f"difference {ar['difference']:,.2f}"]
    for b in ar["by_aging_bucket"]:
        lines.append(f"  {b['bucket']:>9} days: {b['legacy']:>14,.2f} vs {b['new']:>14,.2f}  "
                     f"difference {b['difference']:,.2f}")
    for cls, r in s["run_off_ar"].items():
        lines.append(f"Kept in the old system (run-off) {cls}: {r['amount']:,.2f} on {r['claims']} claims")
    sev = s["findings"]["by_severity"]
    lines += ["", f"Findings: {sev['blocker']} blocker(s), {sev['warning']} warning(s)"]
    if result.findings:
        lines.append(f"{'severity':<9}{'check':<31}{'table':<15}{'system':<7}{'key':<22}{'field':<18}legacy -> new")
        for f in result.findings:
            lines.append(f"{f['severity']:<9}{f['check']:<31}{f['table']:<15}{f['system']:<7}{str(f['key']):<22}"
                         f"{str(f['field'] or ''):<18}{_short(f['legacy'])} -> {_short(f['new'])}")
    return "\n".join(lines)


def _short(value) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= 30 else text[:27] + "..."


def migration_check_command(args, settings: Settings) -> int:
    _run_id, result = run_and_store(settings, audit.Actor("cli", None, None))
    if getattr(args, "format", "table") == "json":
        json.dump(result.as_json(), sys.stdout, indent=None, default=str)
        sys.stdout.write("\n")
    else:
        print(_table_text(result))
    return 0
