"""``python manage.py readiness [--format json|table]``: the verdict and every criterion (exit 0 whatever it says).

The same evaluation as the Go / no-go page. Running it also keeps today's readiness score for the
history chart (one row per day; a failure to store it never changes the output or the exit code).
"""

from __future__ import annotations

import json
import textwrap

from metrics.readiness import Readiness
from metrics.readiness_inputs import current_readiness

STATE_MARK = {"green": "GREEN", "amber": "AMBER", "red": "RED"}


def format_table(readiness: Readiness, width: int = 110) -> str:
    """A plain-text report: the verdict sentence, then one block per criterion, blockers first."""
    days = readiness.days_to_go_live
    when = (f"{days} days to go-live" if days > 0 else "go-live is today" if days == 0
            else f"{-days} days after go-live")
    data = readiness.data_date.strftime("%Y-%m-%d %H:%M") if readiness.data_date else "no sync yet"
    lines = [f"Verdict: {readiness.verdict} (score {readiness.score}/100)",
             readiness.sentence,
             f"Go-live {readiness.go_live:%Y-%m-%d} ({when}); data as of {data}.", ""]
    header = f"{'state':<6} {'crit':<4} {'criterion':<28} {'owner':<38} fix on page"
    lines += [header, "-" * len(header)]
    order = {c.key: i for i, c in enumerate(readiness.blockers)}
    ordered = sorted(readiness.criteria, key=lambda c: order.get(c.key, len(order)))
    for c in ordered:
        lines.append(f"{STATE_MARK[c.state]:<6} {'yes' if c.critical else 'no':<4} {c.title:<28} "
                     f"{c.owner[:38]:<38} {c.page}")
        lines += textwrap.wrap(c.evidence, width=width, initial_indent="       ", subsequent_indent="       ")
        for d in c.details:
            lines += textwrap.wrap(d, width=width, initial_indent="         - ", subsequent_indent="           ")
    return "\n".join(lines)


def record_daily_readiness(settings) -> Readiness:
    """Evaluate and keep today's score (for a scheduled job: ``metrics.readiness_cli:record_daily_readiness``)."""
    from tracker.readiness import record_daily_score

    readiness = current_readiness(settings)
    if readiness.today < readiness.go_live:  # tracked day by day until go-live
        record_daily_score(settings.database_url, readiness.today, readiness)
    return readiness


def readiness_command(args, settings) -> int:
    try:
        readiness = record_daily_readiness(settings)
    except Exception:  # noqa: BLE001 - the score history is a by-product; the report is what was asked for
        readiness = current_readiness(settings)
    if getattr(args, "format", "table") == "json":
        print(json.dumps(readiness.to_dict(), indent=2))
    else:
        print(format_table(readiness))
    return 0
