"""Time ``verbinder import-members`` on a large file: 100,000 members with 5 offers and 5 needs each.

Runs the CLI in-process (``bot.cli.main``, the same code path as the console script)
against a fresh SQLite database in a temporary folder, which the command migrates
itself. Prints one JSON object; exit status 1 when the target time is missed.

    python benchmarks/import_members.py [--rows N] [--target SECONDS] [--reimport]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import io
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from bot.cli import main as cli_main
from bot.db import Database
from models import Member, MemberItem, Sector

GUILD_ID = 900000000000000001
WORDS = [
    "subsidie",
    "advies",
    "vrijwilligers",
    "ruimte",
    "werkplek",
    "mentor",
    "netwerk",
    "onderzoek",
    "studenten",
    "stage",
    "marketing",
    "juridisch",
    "boekhouding",
    "fondsenwerving",
    "website",
    "fietsen",
    "energie",
    "zorg",
    "taal",
    "buurt",
    "ouderen",
    "jongeren",
    "klimaat",
    "voedsel",
    "cultuur",
    "sport",
    "design",
    "events",
    "vertalen",
    "coaching",
    "data",
    "ideeën",
    "coöperatie",
    "café",
    "geïnteresseerd",
    "financiële",
    "creëren",
    "privé",
]
SECTORS = [s.value for s in Sector] + ["Overheid", "Sociale onderneming", ""]


def write_file(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)

    def items() -> str:
        # A shared vocabulary plus a number: realistic repetition without identical rows.
        return "|".join(f"{rng.choice(WORDS)} {rng.choice(WORDS)} {n}" for n in rng.sample(range(1000), 5))

    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["discord_id", "name", "sector", "organisation", "region", "locale", "offers", "needs"])
        for i in range(rows):
            writer.writerow(
                [
                    400000000000000000 + i,
                    f"Lid {i} van Dijk",
                    rng.choice(SECTORS),
                    f"Organisatie {i % 997}",
                    rng.choice(["Tilburg", "Breda", "Mechelen", ""]),
                    rng.choice(["nl", "en", "nl-NL", ""]),
                    items(),
                    items(),
                ]
            )


async def counts(url: str) -> tuple[int, int]:
    db = Database(url)
    try:
        async with db.session() as session:
            members = await session.scalar(select(func.count()).select_from(Member))
            items = await session.scalar(select(func.count()).select_from(MemberItem))
    finally:
        await db.dispose()
    return int(members or 0), int(items or 0)


def run_cli(csv_path: Path) -> tuple[int, float, str]:
    out = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(out):
        code = cli_main(["import-members", str(csv_path), "--guild", str(GUILD_ID)])
    return code, time.perf_counter() - started, out.getvalue().strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--target", type=float, default=60.0)
    parser.add_argument("--reimport", action="store_true", help="also time importing the same file again")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv_path = folder / "members.csv"
        write_file(csv_path, args.rows)
        url = f"sqlite+aiosqlite:///{folder / 'verbinder.db'}"
        os.environ["DATABASE_URL"] = url
        os.chdir(folder)  # no developer .env is read

        code, seconds, summary = run_cli(csv_path)
        members, items = asyncio.run(counts(url))
        result: dict[str, object] = {
            "rows": args.rows,
            "seconds": round(seconds, 2),
            "rows_per_second": round(args.rows / seconds),
            "target_seconds": args.target,
            "exit_code": code,
            "members": members,
            "items": items,
            "summary": summary,
        }
        ok = code == 0 and members == args.rows and items == args.rows * 10 and seconds < args.target
        if args.reimport:
            code, again, summary = run_cli(csv_path)
            result["reimport_seconds"] = round(again, 2)
            result["reimport_summary"] = summary
            ok = ok and code == 0 and asyncio.run(counts(url)) == (members, items)
        result["ok"] = ok
        os.chdir(Path(__file__).resolve().parent)
    print(json.dumps(result))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
