"""The ``verbinder`` command for operators."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from bot.config import Settings, load_settings


def _settings() -> Settings:
    try:
        return load_settings()
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
        raise SystemExit(f"verbinder: invalid configuration: {problems}") from None


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )


def cmd_run(args: argparse.Namespace) -> int:
    settings = _settings()
    if settings.discord_token is None or not settings.discord_token.get_secret_value().strip():
        print(
            "verbinder: DISCORD_TOKEN is not set. Put it in .env or the environment (see .env.example).",
            file=sys.stderr,
        )
        return 2
    _configure_logging(settings)
    from bot import create_bot

    bot = create_bot(settings)
    # log_handler=None: logging is configured above, once.
    bot.run(settings.discord_token.get_secret_value(), log_handler=None)
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    settings = _settings()
    if settings.discord_token is None or not settings.discord_token.get_secret_value().strip():
        print("verbinder: DISCORD_TOKEN is not set; syncing commands needs the bot's token.", file=sys.stderr)
        return 2
    _configure_logging(settings)
    from bot import create_bot

    async def sync() -> int:
        bot = create_bot(settings)
        async with bot:
            await bot.login(settings.discord_token.get_secret_value())
            synced = await bot.sync_commands(args.guild)
        where = f"server {args.guild}" if args.guild else "all servers (may take up to an hour to show)"
        print(f"Synced {len(synced)} commands to {where}.")
        return 0

    return asyncio.run(sync())


def cmd_db(args: argparse.Namespace) -> int:
    from alembic.util import CommandError

    from bot.db import Database, ensure_sqlite_dir

    settings = _settings()

    async def go() -> int:
        ensure_sqlite_dir(settings.database_url)
        db = Database(settings.database_url)
        try:
            if args.action == "upgrade":
                await db.upgrade(args.revision)
                print(f"Database is at revision {args.revision}.")
            elif args.action == "downgrade":
                await db.downgrade(args.revision)
                print(f"Database is at revision {args.revision}.")
            else:
                try:
                    await db.check()
                except CommandError as exc:
                    print(f"verbinder: {exc}", file=sys.stderr)
                    return 1
                print("The models match the migrations.")
        finally:
            await db.dispose()
        return 0

    return asyncio.run(go())


def cmd_import_members(args: argparse.Namespace) -> int:
    from bot.db import Database, ensure_sqlite_dir
    from bot.services.importer import (
        BIGINT_MAX,
        ImportFileError,
        ImportReport,
        import_members,
        read_members_file,
    )

    settings = _settings()
    if not 0 < args.guild <= BIGINT_MAX:
        print(f"verbinder: {args.guild} is not a Discord server id.", file=sys.stderr)
        return 2
    # The whole file is read and its header checked before the database is touched.
    try:
        members_file = read_members_file(args.file)
    except ImportFileError as exc:
        print(f"verbinder: {exc}", file=sys.stderr)
        return 2
    if members_file.ignored_columns:
        print(f"verbinder: ignoring unknown columns: {', '.join(members_file.ignored_columns)}", file=sys.stderr)

    async def go() -> ImportReport:
        ensure_sqlite_dir(settings.database_url)
        db = Database(settings.database_url)
        try:
            await db.upgrade()  # a fresh database works too
            return await import_members(db, args.guild, members_file.rows, settings.default_locale)
        finally:
            await db.dispose()

    report = asyncio.run(go())
    rejected = len(report.rejected)
    print(
        f"Imported {report.imported} member{'' if report.imported == 1 else 's'} into server {args.guild}: "
        f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged; "
        + (f"{rejected} row{'' if rejected == 1 else 's'} rejected." if rejected else "no rows rejected.")
    )
    for line, reason in report.rejected:
        print(f"line {line}: {reason}", file=sys.stderr)
    return 1 if rejected else 0


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.demo import main as demo_main

    return demo_main(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="verbinder",
        description="Verbinder, the community connector: run the Discord bot and manage its data.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="connect to Discord and run the bot (needs DISCORD_TOKEN)")
    run.set_defaults(func=cmd_run)

    sync = sub.add_parser("sync", help="register the slash commands with Discord (after an install or upgrade)")
    sync.add_argument("--guild", type=int, help="sync to this server only (instant); default: globally")
    sync.set_defaults(func=cmd_sync)

    db = sub.add_parser("db", help="database migrations")
    db_sub = db.add_subparsers(dest="action", required=True, metavar="ACTION")
    up = db_sub.add_parser("upgrade", help="bring the database to the latest schema")
    up.add_argument("revision", nargs="?", default="head")
    down = db_sub.add_parser("downgrade", help="step the schema back to REVISION")
    down.add_argument("revision")
    db_sub.add_parser("check", help="fail if the models differ from the migrations")
    db.set_defaults(func=cmd_db)

    imp = sub.add_parser("import-members", help="create or update members from a CSV file")
    imp.add_argument("file", help="CSV: discord_id,name,sector,organisation,region,locale,offers,needs")
    imp.add_argument("--guild", type=int, required=True, metavar="GUILD_ID", help="the server to import into")
    imp.set_defaults(func=cmd_import_members)

    demo = sub.add_parser("demo", help="try the bot offline against a simulated Discord (no token needed)")
    demo.add_argument(
        "--fast",
        action="store_true",
        help="no pauses between steps (they only happen on a terminal; or set VERBINDER_DEMO_FAST=1)",
    )
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
