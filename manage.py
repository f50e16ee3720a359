#!/usr/bin/env python
"""Command line of the go-live dashboard (ARCHITECTURE.md, "Command line (contract)").

python manage.py COMMAND [--config PATH]; without --config the default (demo) config is used.
Every command exits non-zero with a one-paragraph error on bad input and leaves stored data as it was.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# command -> "module:function"; each function takes (args, settings) and returns an exit code.
COMMANDS = {
    "init": "jobs.setup:init_command",
    "sync": "jobs.sync:sync_command",
    "kpis": "metrics.cli:kpis_command",
    "migration-check": "migration.cli:migration_check_command",
    "readiness": "metrics.readiness_cli:readiness_command",
    "scheduler": "jobs.scheduler:scheduler_command",
    "users": "auth.cli:users_command",
    "backup": "jobs.backup:backup_command",
    "restore": "jobs.backup:restore_command",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="manage.py", description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="config TOML file (default: the demo's, config/default.toml)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help="create or upgrade the app DB and warehouse; --demo adds the demo practice")
    p.add_argument("--demo", action="store_true")
    p.add_argument("--moment", choices=["before", "after"], default=None,
                   help="with --demo: 100 days after go-live (after, default) or three weeks before it")

    p = sub.add_parser("sync", help="read every (or one) source into the warehouse")
    p.add_argument("--source")

    p = sub.add_parser("kpis", help="the KPI table", description=(
        "The warehouse KPIs per window (default: baseline, day30, day60, day90, trailing30; or --window "
        "YYYY-Qn), totals plus one breakdown per --by (location, payer, payer_class, discipline, provider, "
        "denial_category). training_completion_rate and staff_enps are kept in the app and shown on the "
        "Training and Staff pulse screens, not here."))
    p.add_argument("--as-of", dest="as_of")
    p.add_argument("--format", choices=["json", "csv", "table"], default="table")
    p.add_argument("--window", action="append", default=[])
    p.add_argument("--by", action="append", default=[])

    p = sub.add_parser("migration-check", help="reconcile the legacy and new sources")
    p.add_argument("--format", choices=["json", "table"], default="table")

    p = sub.add_parser("readiness", help="the go/no-go verdict and its criteria")
    p.add_argument("--format", choices=["json", "table"], default="table")

    sub.add_parser("scheduler", help="run the scheduled syncs in the foreground")

    p = sub.add_parser("users", help="manage logins")
    users = p.add_subparsers(dest="users_command", required=True)
    a = users.add_parser("add")
    a.add_argument("username")
    a.add_argument("--role", required=True)
    a.add_argument("--name", default="")
    a.add_argument("--password", help="read from the terminal (or stdin) when left out")
    users.add_parser("list")
    d = users.add_parser("disable")
    d.add_argument("username")
    r = users.add_parser("reset-password")
    r.add_argument("username")
    r.add_argument("--password")

    p = sub.add_parser("backup", help="app DB and warehouse to one archive")
    p.add_argument("path")
    p = sub.add_parser("restore", help="app DB and warehouse from one archive")
    p.add_argument("path")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from config.settings import ConfigError, default_config_path, load_settings

    try:
        config_path = args.config
        if config_path is None and args.command == "init" and args.moment:
            config_path = default_config_path(args.moment)
        settings = load_settings(config_path)
        module_name, func_name = COMMANDS[args.command].split(":")
        func = getattr(importlib.import_module(module_name), func_name)
        return int(func(args, settings) or 0)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a one-paragraph error, not a traceback, for anything a user can fix
        from warehouse.errors import UserFacingError

        if isinstance(exc, UserFacingError):
            print(f"error: {exc}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
