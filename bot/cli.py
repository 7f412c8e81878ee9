"""The ``verbinder`` command for operators."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

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
    from bot.app import Bot

    async def sync() -> int:
        # Only the commands: no database, no migration, no scheduler, so it runs beside a serving bot.
        bot = Bot(settings)
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
    for line, warning in report.warnings:
        print(f"line {line}: warning: {warning}", file=sys.stderr)
    for line, reason in report.rejected:
        print(f"line {line}: {reason}", file=sys.stderr)
    return 1 if rejected else 0


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.demo import main as demo_main

    return demo_main(args)


def _ids(reasons: list[dict]) -> list[dict]:
    return [{**r, "need_of": str(r["need_of"]), "offer_of": str(r["offer_of"])} for r in reasons]


# --- printing suggestions and rounds for people (ids only with --json) ---------------------------

REASONS_PRINTED = 3


@dataclass(frozen=True)
class _Server:
    """What the printout needs about a server: whether it is known, member names, setup, time zone."""

    known: bool
    names: dict[str, str]
    configured: bool
    zone: ZoneInfo


async def _server_for_printing(settings: Settings, guild_id: int) -> _Server:
    from sqlalchemy import select

    from bot.db import Database
    from bot.services import guilds
    from models import GuildSettings, Member

    db = Database(settings.database_url)
    try:
        async with db.session() as session:
            rows = await session.execute(select(Member.user_id, Member.name).where(Member.guild_id == guild_id))
            names = {str(user_id): name for user_id, name in rows}
            stored = await session.get(GuildSettings, guild_id)
            server = await guilds.get_settings(session, guild_id)
            return _Server(
                known=bool(names) or stored is not None,
                names=names,
                configured=server.intro_channel_id is not None,
                zone=guilds.zone(server, settings.timezone),
            )
    finally:
        await db.dispose()


def _unknown(server: _Server, guild_id: int, member: int | None = None) -> str | None:
    """Why the target cannot be shown (a message for stderr), or None."""
    if not server.known:
        return (
            f"verbinder: server {guild_id} is not in this database (no members, no settings). "
            "Check --guild, or import its members first (verbinder import-members)."
        )
    if member is not None and str(member) not in server.names:
        return f"verbinder: member {member} is not in server {guild_id}. Check --member."
    return None


def _name(server: _Server, user_id: str) -> str:
    return server.names.get(user_id) or f"member {user_id}"


def _reason_lines(server: _Server, reasons: list[dict], indent: str) -> list[str]:
    lines = [
        f"{indent}- {_name(server, r['need_of'])} needs “{r['need']}”: "
        f"{_name(server, r['offer_of'])} offers “{r['offer']}” ({r['score']:.0f})"
        for r in reasons[:REASONS_PRINTED]
    ]
    if len(reasons) > REASONS_PRINTED:
        lines.append(f"{indent}  … and {len(reasons) - REASONS_PRINTED} more")
    return lines


def _when(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{local:%A} {local.day} {local:%B %Y}, {local:%H:%M} ({zone.key})"


def _print_suggestions(server: _Server, found: dict[str, list[dict]]) -> None:
    for member, suggestions in found.items():
        print(f"{_name(server, member)}:")
        if not suggestions:
            print("  no suggestions (no fitting member who joined introductions)")
        for number, s in enumerate(suggestions, start=1):
            print(f"  {number}. {_name(server, s['member'])}  {s['score']:5.1f}")
            for line in _reason_lines(server, s["reasons"], "     "):
                print(line)


def _print_round(server: _Server, result: dict, due: datetime) -> None:
    if server.configured:
        print(f"Next round: {_when(due, server.zone)}")
    else:
        print("No weekly round: introductions are not set up in this server (a moderator runs /intro setup).")
        print("This is what a round would propose now:")
    if not result["pairs"]:
        print("  no pairs")
    for p in result["pairs"]:
        pair = f"{_name(server, p['a'])} × {_name(server, p['b'])}"
        if not p["reasons"]:
            print(f"  {pair}  (chance meeting)")
            continue
        print(f"  {pair}  {p['score']:5.1f}")
        for line in _reason_lines(server, p["reasons"], "     "):
            print(line)
    unmatched = [_name(server, u) for u in result["unmatched"]]
    print(f"Unmatched: {', '.join(unmatched) or 'none'}")


def cmd_suggest(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from sqlalchemy import select

    from bot.db import Database
    from bot.services import guilds, matchmaking, rounds
    from models import Member

    settings = _settings()

    async def go() -> dict:
        db = Database(settings.database_url)
        try:
            await db.upgrade()
            now = datetime.now(UTC)
            matcher = matchmaking.Matchmaker(settings.match_cache_mib)
            async with db.session() as session:
                server = await guilds.get_settings(session, args.guild)
                if args.member is not None:
                    members = [args.member]
                else:
                    stmt = select(Member.user_id).where(Member.guild_id == args.guild).order_by(Member.user_id)
                    members = list((await session.execute(stmt)).scalars())
                found = {}
                for user_id in members:
                    suggestions = await matcher.suggest(
                        session, args.guild, user_id, now=now, limit=args.limit, history=rounds.history(server)
                    )
                    found[str(user_id)] = [
                        {"member": str(s.user_id), "score": s.score, "reasons": _ids(s.reasons)} for s in suggestions
                    ]
            return {"suggestions": found}
        finally:
            await db.dispose()

    result = asyncio.run(go())
    server = asyncio.run(_server_for_printing(settings, args.guild))
    problem = _unknown(server, args.guild, args.member)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        _print_suggestions(server, result["suggestions"])
    return 0


def cmd_match(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime, time

    from bot.db import Database
    from bot.services import guilds, matchmaking, rounds
    from bot.services.schedule import next_round

    settings = _settings()

    async def go() -> tuple[dict, datetime]:
        db = Database(settings.database_url)
        try:
            await db.upgrade()
            now = datetime.now(UTC)
            async with db.session() as session:
                server = await guilds.get_settings(session, args.guild)
                tz = guilds.zone(server, settings.timezone)
                due = next_round(now, server.intro_weekday, time(server.intro_hour, server.intro_minute), tz)
                year, week, _ = due.astimezone(tz).isocalendar()
                plan = await matchmaking.Matchmaker().plan(
                    session,
                    args.guild,
                    now=due,
                    per_member=server.intro_per_member,
                    history=rounds.history(server),
                    seed=f"{year:04d}-W{week:02d}",
                    cache=False,  # one round, then exit: keep no index
                )
            # Chance meetings are the pairs without reasons.
            return {
                "pairs": [
                    {"a": str(p.a), "b": str(p.b), "score": p.score, "reasons": _ids(p.reasons)} for p in plan.pairs
                ],
                "unmatched": [str(u) for u in plan.unmatched],
            }, due
        finally:
            await db.dispose()

    result, due = asyncio.run(go())
    server = asyncio.run(_server_for_printing(settings, args.guild))
    problem = _unknown(server, args.guild)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    if args.json:
        # Compact: json's C encoder (indenting runs in Python, seconds for a large round).
        print(json.dumps(result, ensure_ascii=False))
    else:
        _print_round(server, result, due)
    return 0


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

    suggest = sub.add_parser("suggest", help="dry run: the /match suggestions for one member or everyone")
    suggest.add_argument("--guild", type=int, required=True, metavar="GUILD_ID")
    suggest.add_argument("--member", type=int, metavar="USER_ID", help="one member (default: every member)")
    suggest.add_argument("--limit", type=int, default=5)
    suggest.add_argument("--json", action="store_true", help="machine-readable output")
    suggest.set_defaults(func=cmd_suggest)

    match = sub.add_parser("match", help="dry run: the next weekly round of a server, nothing is sent")
    match.add_argument("--guild", type=int, required=True, metavar="GUILD_ID")
    match.add_argument("--json", action="store_true", help="machine-readable output")
    match.set_defaults(func=cmd_match)

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
