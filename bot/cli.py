"""The ``verbinder`` command for operators."""

from __future__ import annotations

import argparse
import gc
import json
import sys
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

from bot.diagnose import Problem

if TYPE_CHECKING:
    from bot.config import Settings

# Everything heavy (pydantic, SQLAlchemy, Alembic, discord.py, the services) is imported by the
# command that uses it: ``verbinder --help`` and every command start only pay for what they run.

T = TypeVar("T")


def _run(work: Coroutine[Any, Any, T]) -> T:
    import asyncio

    return asyncio.run(work)


def _settings() -> Settings:
    from pydantic import ValidationError

    from bot.config import load_settings

    try:
        return load_settings()
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
        raise SystemExit(f"verbinder: invalid configuration: {problems}") from None


def _configure_logging(settings: Settings) -> None:
    import logging

    from bot.db import quiet_alembic

    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )
    quiet_alembic()


def _token(settings: Settings) -> str | None:
    if settings.discord_token is None:
        return None
    return settings.discord_token.get_secret_value().strip() or None


def cmd_run(args: argparse.Namespace) -> int:
    settings = _settings()
    token = _token(settings)
    if token is None:
        print(
            "verbinder: DISCORD_TOKEN is not set. Put it in .env or the environment (see .env.example).",
            file=sys.stderr,
        )
        return 2
    _configure_logging(settings)
    from bot.serve import serve

    # The database is checked (and migrated) and the serving lease taken before logging in.
    return _run(serve(settings, token, standby=args.standby))


def cmd_sync(args: argparse.Namespace) -> int:
    settings = _settings()
    token = _token(settings)
    if token is None:
        print("verbinder: DISCORD_TOKEN is not set; syncing commands needs the bot's token.", file=sys.stderr)
        return 2
    _configure_logging(settings)
    from bot.app import Bot
    from bot.diagnose import discord_problem
    from bot.serve import use_discord_api

    use_discord_api(settings.discord_api_base)

    async def sync() -> int:
        # Only the commands: no database, no migration, no scheduler, so it runs beside a serving bot.
        bot = Bot(settings)
        try:
            async with bot:
                await bot.login(token)
                synced = await bot.sync_commands(args.guild)
        except Exception as exc:
            problem = discord_problem(exc)
            if problem is None:
                raise
            raise Problem(problem) from None
        where = f"server {args.guild}" if args.guild else "all servers (may take up to an hour to show)"
        print(f"Synced {len(synced)} commands to {where}.")
        return 0

    return _run(sync())


def cmd_db(args: argparse.Namespace) -> int:
    from bot.db import quiet_alembic
    from bot.diagnose import guarded, open_database

    settings = _settings()
    url = settings.database_url
    quiet_alembic()

    async def go() -> int:
        db = open_database(url)
        try:
            if args.action == "upgrade":
                await guarded(url, db.upgrade(args.revision))
                print(f"Database is at revision {args.revision}.")
            elif args.action == "downgrade":
                await guarded(url, db.downgrade(args.revision))
                print(f"Database is at revision {args.revision}.")
            else:
                from alembic.util import CommandError

                try:
                    await guarded(url, db.check())
                except CommandError as exc:
                    print(f"verbinder: {exc}", file=sys.stderr)
                    return 1
                print("The models match the migrations.")
        finally:
            await db.dispose()
        return 0

    return _run(go())


def cmd_status(args: argparse.Namespace) -> int:
    from bot.status import collect, render

    settings = _settings()
    report = _run(collect(settings))
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        print(render(report))
    return 0 if report.healthy else 1


def cmd_import_members(args: argparse.Namespace) -> int:
    from bot.diagnose import guarded, open_database
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
        db = open_database(settings.database_url)
        try:
            await guarded(settings.database_url, db.upgrade())  # a fresh database works too
            return await guarded(
                settings.database_url, import_members(db, args.guild, members_file.rows, settings.default_locale)
            )
        finally:
            await db.dispose()

    report = _run(go())
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
    """Member ids as strings (JSON readers lose digits of large integers), in place: the reasons
    are this command's own, and a large round has hundreds of thousands of them."""
    for r in reasons:
        r["need_of"], r["offer_of"] = str(r["need_of"]), str(r["offer_of"])
    return reasons


# --- printing suggestions and rounds for people (ids only with --json) ---------------------------

REASONS_PRINTED = 3


@dataclass(frozen=True)
class _Server:
    """What the printout needs about a server: whether it is known, member names, setup, time zone."""

    known: bool
    names: dict[str, str]
    configured: bool
    zone: ZoneInfo


async def _server_for_printing(settings: Settings, guild_id: int, *, names: bool = True) -> _Server:
    """``names=False`` (JSON output, ids only): only whether the server is known."""
    from sqlalchemy import select

    from bot.db import Database
    from bot.services import guilds
    from models import GuildSettings, Member

    db = Database(settings.database_url)
    try:
        async with db.session() as session:
            named: dict[str, str] = {}
            if names:
                rows = await session.execute(select(Member.user_id, Member.name).where(Member.guild_id == guild_id))
                named = {str(user_id): name for user_id, name in rows}
                has_members = bool(named)
            else:
                first = select(Member.id).where(Member.guild_id == guild_id).limit(1)
                has_members = (await session.scalar(first)) is not None
            stored = await session.get(GuildSettings, guild_id)
            server = await guilds.get_settings(session, guild_id)
            return _Server(
                known=has_members or stored is not None,
                names=named,
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

    from bot.diagnose import guarded, open_database
    from bot.services import guilds, matchmaking, rounds
    from models import Member

    settings = _settings()

    async def go() -> dict:
        db = open_database(settings.database_url)
        try:
            await guarded(settings.database_url, db.upgrade())
            now = datetime.now(UTC)
            matcher = matchmaking.Matchmaker(settings.match_cache_mib)
            # Only reads: never holds the write lock a serving bot needs (SQLite).
            async with db.read() as session:
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

    result = _run(go())
    server = _run(_server_for_printing(settings, args.guild))
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

    from bot.diagnose import guarded, open_database
    from bot.services import guilds, matchmaking, rounds
    from bot.services.schedule import next_round

    settings = _settings()

    async def go() -> tuple[dict, datetime]:
        db = open_database(settings.database_url)
        try:
            await guarded(settings.database_url, db.upgrade())
            now = datetime.now(UTC)
            async with db.read() as session:
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

    result, due = _run(go())
    server = _run(_server_for_printing(settings, args.guild, names=not args.json))
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


def cmd_privacy(args: argparse.Namespace) -> int:
    """Requests that arrive by e-mail: export or erase one member's data; apply retention now."""
    from datetime import UTC, datetime

    from bot.db import Database, ensure_sqlite_dir
    from bot.services import privacy
    from models import ErasureVia

    settings = _settings()

    async def go() -> int:
        ensure_sqlite_dir(settings.database_url)
        db = Database(settings.database_url)
        try:
            await db.upgrade()
            now = datetime.now(UTC)
            async with db.session() as session:
                if args.action == "purge":
                    report = await privacy.purge(session, now=now, retention_days=settings.retention_days)
                    print(
                        f"Erased {len(report.guilds)} server(s) and {report.members} member(s) "
                        f"that left more than {settings.retention_days} days ago."
                    )
                    return 0
                if not await privacy.knows_guild(session, args.guild):
                    print(f"verbinder: nothing is stored for server {args.guild}.", file=sys.stderr)
                    return 1
                if not await privacy.knows_member(session, args.guild, args.member):
                    print(f"verbinder: nothing names member {args.member} in server {args.guild}.", file=sys.stderr)
                    return 1
                if args.action == "export":
                    data = await privacy.export_member(session, args.guild, args.member, now=now)
                    text = json.dumps(data, ensure_ascii=False, indent=2)
                    if args.out is None:
                        print(text)
                    else:
                        with open(args.out, "w", encoding="utf-8") as out:
                            out.write(text + "\n")
                        print(f"Wrote the export of member {args.member} to {args.out}.", file=sys.stderr)
                    return 0
                if not args.yes:
                    print("verbinder: erasing cannot be undone; add --yes to confirm.", file=sys.stderr)
                    return 2
                touched = await privacy.erase_member(session, args.guild, args.member, via=ErasureVia.OPERATOR, now=now)
                print(f"Erased {sum(touched.values())} record(s) naming member {args.member} in server {args.guild}.")
                return 0
        finally:
            await db.dispose()

    return _run(go())


def cmd_report(args: argparse.Namespace) -> int:
    """The /impact charts (PNG) and table (CSV) of one server, written to a folder, offline."""
    from datetime import UTC, date, datetime, timedelta
    from pathlib import Path

    from sqlalchemy import func, select

    from bot.db import Database
    from bot.services import charts, guilds
    from bot.services.value.impact import CSV_NAME, DEFAULT_DAYS, impact, to_csv
    from models import Member, Thanks

    settings = _settings()
    since_day: date | None = None
    if args.since is not None:
        try:
            since_day = date.fromisoformat(args.since)
        except ValueError:
            print(f"verbinder: --since {args.since!r} is not a date; write it as YYYY-MM-DD.", file=sys.stderr)
            return 2
    out = Path(args.out)

    async def go() -> tuple[int, list[Path]]:
        db = Database(settings.database_url)
        try:
            await db.upgrade()
            until = datetime.now(UTC)
            async with db.session() as session:
                known = await session.scalar(select(func.count()).where(Member.guild_id == args.guild)) or 0
                known += await session.scalar(select(func.count()).where(Thanks.guild_id == args.guild)) or 0
                if not known:
                    print(f"verbinder: no data for server {args.guild} in this database.", file=sys.stderr)
                    return 1, []
                tz = guilds.zone(await guilds.get_settings(session, args.guild), settings.timezone)
                if since_day is None:
                    since = until - timedelta(days=DEFAULT_DAYS)
                else:
                    since = datetime.combine(since_day, datetime.min.time(), tzinfo=tz).astimezone(UTC)
                if since >= until:
                    print("verbinder: --since must lie in the past.", file=sys.stderr)
                    return 2, []
                found = await impact(session, args.guild, since, until)
        finally:
            await db.dispose()
        import asyncio

        images = await asyncio.to_thread(charts.render, found, args.lang or settings.default_locale)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name, data in images.items():
            (out / name).write_bytes(data)
            written.append(out / name)
        (out / CSV_NAME).write_text(to_csv(found), encoding="utf-8", newline="")
        written.append(out / CSV_NAME)
        return 0, written

    code, written = _run(go())
    for path in written:
        print(f"Wrote {path}")
    return code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="verbinder",
        description="Verbinder, the community connector: run the Discord bot and manage its data.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="connect to Discord and run the bot (needs DISCORD_TOKEN)")
    run.add_argument(
        "--standby",
        action="store_true",
        help="when another process serves this database, wait and take over once its lease is free",
    )
    run.set_defaults(func=cmd_run)

    status = sub.add_parser("status", help="health check: database, serving process, rounds, pending work")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(func=cmd_status)

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

    priv = sub.add_parser("privacy", help="export or erase a member's data; apply the retention period now")
    priv_sub = priv.add_subparsers(dest="action", required=True, metavar="ACTION")
    priv_export = priv_sub.add_parser("export", help="everything that names a member, as JSON")
    priv_export.add_argument("--out", metavar="FILE", help="write to FILE (default: standard output)")
    priv_delete = priv_sub.add_parser("delete", help="erase everything that names a member in a server")
    priv_delete.add_argument("--yes", action="store_true", help="confirm: erasing cannot be undone")
    for one in (priv_export, priv_delete):
        one.add_argument("--guild", type=int, required=True, metavar="GUILD_ID")
        one.add_argument("--member", type=int, required=True, metavar="USER_ID")
    priv_sub.add_parser("purge", help="erase members and servers that left more than RETENTION_DAYS ago")
    priv.set_defaults(func=cmd_privacy)

    report = sub.add_parser("report", help="impact charts (PNG) and table (CSV) of a server, written to a folder")
    report.add_argument("--guild", type=int, required=True, metavar="GUILD_ID")
    report.add_argument("--out", required=True, metavar="DIR", help="folder to write the files to (created if needed)")
    report.add_argument("--since", metavar="YYYY-MM-DD", help="start of the period (default: 90 days ago)")
    report.add_argument("--lang", choices=("nl", "en"), help="language of the chart labels (default: DEFAULT_LOCALE)")
    report.set_defaults(func=cmd_report)

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
    try:
        return int(args.func(args) or 0)
    except Problem as problem:
        # Something the operator can fix: one line, no traceback.
        print(f"verbinder: {problem}", file=sys.stderr)
        return 1


def entry() -> int:
    """The ``verbinder`` program: :func:`main`, then a quick exit."""
    code = main()
    # The interpreter collects once more at exit. A round leaves what it built (some of it in
    # cycles) to that collection: 0.15-0.2 s at 10,000 members, for memory the process is about
    # to return anyway. Frozen objects are not collected.
    gc.freeze()
    return code


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(entry())
