"""Benchmarks of matching, as an operator meets it. Prints one JSON object; every figure next to its target.

    python benchmarks/matching.py                     # full: 100,000 members (and 10,000 beside it)
    python benchmarks/matching.py --members 10000     # development: one size only
    python benchmarks/matching.py --quick             # seconds: 2,000 members, brute force at 1,000
    python benchmarks/matching.py --servers 1000      # many servers of 500 members through one cache

A synthetic community (5 needs and 5 offers per member from the vocabulary's terms, Dutch or
English, everyday phrasing, a typo in ~10 % of texts, a random sector; 90 % joined
introductions, 30 % allow chance meetings, 3 % paused, a tenth of the members met someone
recently) is written into a fresh SQLite database, and then:

* ``match_command``: the whole ``verbinder match --guild G --json`` command, run as a subprocess
  (start-up, reading the database, index, pairing, output), wall clock; peak resident memory
  summed over the command and every process it starts (``/proc`` polled every 10 ms); CPU time
  of all of them. Timed on the database as the bot keeps it (every text analysed when written,
  by its minute job: ``texts_analysed_s`` is that work done at once; three runs, the median
  counts, ``runs_s`` lists them) and, as ``match_command_unanalysed``, before that: right after
  a bulk import, every text analysed by the round itself. The project's bytecode is compiled
  first, as the command's first run would;
* ``suggest_after_change``: a bot's ``Matchmaker`` with the server's index cached; then, 100
  times, one member adds an offer, removes a need or changes sector (through the same services
  as the slash commands) and the next ``/match`` of a random member is timed (it applies the
  change first). Also once: a synonym group added (rebuilds the index);
* ``brute_force`` (at 10,000 members, or ``--brute-members``): every distinct need string x
  every distinct offer string (normalized as the engine does) with the engine's string scorer
  and threshold, ``rapidfuzz.process.cdist`` on all cores (numpy: ``pip install .[bench]``),
  next to the row-by-row brute force over all strings (``process.extract`` per need row, timed
  on every 10th row and scaled), and the recall of the engine against the pairs brute force finds;
* ``many_servers`` (``--servers N``): N servers of 500 members pass through one ``Matchmaker``
  cache with its default budget; peak resident memory of this process.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import gc
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rapidfuzz import process  # noqa: E402
from rapidfuzz.utils import default_process  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from bot.db import Database  # noqa: E402
from bot.services import analyses, matchmaking, profiles, synonyms  # noqa: E402
from bot.services.matching import MatchIndex, MemberData, load_vocabulary  # noqa: E402
from bot.services.matching.forms import NEED, OFFER  # noqa: E402
from bot.services.matching.scoring import STRING_SCORER, default_scorer  # noqa: E402
from bot.text import fold  # noqa: E402
from models import Introduction, IntroParty, ItemKind, Member, MemberItem  # noqa: E402

GUILD = 900_000_000_000_000_001

SECTORS = ["government", "company", "social_enterprise", "knowledge_institution", "civil_society", "citizen", None]
NL = [
    "hulp bij {}",
    "advies over {}",
    "{} voor stichtingen",
    "iemand voor {}",
    "ervaring met {}",
    "{} in de wijk",
    "ondersteuning bij {}",
    "kennis van {}",
    "{} voor ouderen",
    "{} en {}",
]
EN = [
    "help with {}",
    "advice on {}",
    "{} for small charities",
    "someone for {}",
    "experience with {}",
    "support with {}",
    "{} for young people",
    "{} and {}",
]
BRUTE_SAMPLE_STEP = 10  # time the row-by-row brute force on every 10th need row
ROUND_RUNS = 3  # the weekly round command is timed this often (the median counts)
GIB = 1024.0
TARGETS: dict[str, tuple[str, float]] = {
    # figure: (comparison, target)
    "match_command_100k_s": ("<=", 30.0),
    "match_command_100k_peak_rss_mib": ("<=", 1.5 * GIB),
    "match_command_10k_s": ("<=", 2.5),
    "brute_force_distinct_vs_match_command_10k": (">=", 8.0),
    "suggest_after_change_p95_ms": ("<=", 50.0),
    "recall_instance_pairs": (">=", 0.95),
    "many_servers_peak_rss_mib": ("<=", 1.5 * GIB),
}


def typo(text: str, rng: random.Random) -> str:
    words = text.split()
    long = [i for i, w in enumerate(words) if len(w) >= 5]
    if not long:
        return text
    i = rng.choice(long)
    w = words[i]
    j = rng.randrange(1, len(w) - 1)
    op = rng.randrange(4)
    if op == 0:
        w = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    elif op == 1:
        w = w[:j] + w[j + 1 :]
    elif op == 2:
        w = w[:j] + w[j] + w[j:]
    else:
        w = w[:j] + rng.choice("aeiounrst") + w[j + 1 :]
    words[i] = w
    return " ".join(words)


def community(n: int, seed: int = 7) -> list[MemberData]:
    rng = random.Random(seed)
    groups = [list(g.terms) for g in load_vocabulary().groups]
    rng.shuffle(groups)
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(groups))]  # some topics are popular

    def phrase() -> str:
        terms = rng.choices(groups, weights)[0]
        term = rng.choice(terms)
        if rng.random() < 0.45:
            template = rng.choice(NL if rng.random() < 0.6 else EN)
            other = rng.choice(rng.choices(groups, weights)[0])
            term = template.format(term, other)
        if rng.random() < 0.10:
            term = typo(term, rng)
        return term.capitalize() if rng.random() < 0.3 else term

    base = 310_000_000_000_000_000
    return [
        MemberData(base + i, rng.choice(SECTORS), [phrase() for _ in range(5)], [phrase() for _ in range(5)])
        for i in range(n)
    ]


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- the database ------------------------------------------------------------------------------


async def write_database(url: str, members: list[MemberData], guild: int = GUILD, seed: int = 5) -> None:
    """The community in a fresh, migrated database, with Core inserts (the importer's own speed
    is benchmarks/import_members.py); no text analysed yet, as after an import."""
    db = Database(url)
    await db.upgrade()
    rng = random.Random(seed)
    now = datetime.now(UTC) - timedelta(hours=1)
    try:
        async with db.engine.begin() as conn:
            rows = []
            for i, m in enumerate(members):
                paused = now + timedelta(days=30) if rng.random() < 0.03 else None
                joined = rng.random() < 0.9
                rows.append(
                    {
                        "id": i + 1,
                        "guild_id": guild,
                        "user_id": m.member_id,
                        "name": f"Lid {i}",
                        "sector": m.sector,
                        "locale": "nl",
                        "intro_joined": joined,
                        "intro_chance": rng.random() < 0.3,
                        "intro_paused_until": paused,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            for start in range(0, len(rows), 5_000):
                await conn.execute(insert(Member), rows[start : start + 5_000])
            del rows
            items = []
            for i, m in enumerate(members):
                for kind, texts in ((ItemKind.NEED.value, m.needs), (ItemKind.OFFER.value, m.offers)):
                    seen = set()
                    for text in texts:
                        folded = fold(text)
                        if folded not in seen:
                            seen.add(folded)
                            items.append(
                                {
                                    "member_id": i + 1,
                                    "guild_id": guild,
                                    "kind": kind,
                                    "text": text,
                                    "folded": folded,
                                    "created_at": now,
                                    "updated_at": now,
                                }
                            )
                if len(items) >= 20_000:
                    await conn.execute(insert(MemberItem), items)
                    items = []
            if items:
                await conn.execute(insert(MemberItem), items)
            # A tenth of the members were introduced to someone last week: not proposed again.
            n = len(members)
            intros, parties = [], []
            for k in range(n // 20):
                a, b = rng.sample(range(n), 2)
                intros.append(
                    {
                        "id": k + 1,
                        "guild_id": guild,
                        "score": 80.0,
                        "reasons": [],
                        "chance": False,
                        "status": "connected",
                        "expires_at": now + timedelta(days=7),
                        "created_at": now - timedelta(days=7),
                        "updated_at": now,
                    }
                )
                for x in (a, b):
                    parties.append(
                        {
                            "introduction_id": k + 1,
                            "member_id": x + 1,
                            "user_id": members[x].member_id,
                            "created_at": now,
                            "updated_at": now,
                        }
                    )
            if intros:
                await conn.execute(insert(Introduction), intros)
                await conn.execute(insert(IntroParty), parties)
    finally:
        await db.dispose()


async def analyse_all(url: str) -> int:
    db = Database(url)
    try:
        return await analyses.catch_up(db, GUILD, helpers=True)
    finally:
        await db.dispose()


# -- the command, as a subprocess ----------------------------------------------------------------


def tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and all its descendants (from /proc)."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    stack.extend(int(c) for c in f.read().split())
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
    return total


def run_measured(argv: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run a command; wall time, peak resident memory summed over its process tree, CPU time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=env["HOME_DIR"])
    peak = [0]
    done = threading.Event()

    def poll() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss_kib(proc.pid))
            time.sleep(0.01)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - started
    done.set()
    poller.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{err.decode()[-3000:]}")
    return {"seconds": round(wall, 2), "peak_rss_mib": round(peak[0] / 1024, 1), "cpu_s": round(cpu, 2), "out": out}


def compile_bytecode() -> None:
    """Compile the project's modules, as any first run of the command does (unless bytecode
    writing is off, as in some shells): start-up is timed as an operator meets it from then on."""
    for package in ("bot", "models", "migrations"):
        compileall.compile_dir(ROOT / package, quiet=1)


def match_command(url: str, folder: Path, runs: int = 1) -> dict[str, Any]:
    """The command ``runs`` times: the median run's figures (this machine's speed varies by a
    fifth from minute to minute), every run's seconds beside them."""
    env = {**os.environ, "DATABASE_URL": url, "HOME_DIR": str(folder), "PYTHONPATH": str(ROOT)}
    for name in ("DISCORD_TOKEN", "DEV_GUILD_ID", "TIMEZONE", "LOG_LEVEL"):
        env.pop(name, None)
    argv = [sys.executable, "-m", "bot.cli", "match", "--guild", str(GUILD), "--json"]
    all_runs = sorted((run_measured(argv, env) for _ in range(runs)), key=lambda m: m["seconds"])
    measured = all_runs[len(all_runs) // 2]
    if runs > 1:
        measured["runs_s"] = [m["seconds"] for m in all_runs]
        measured["peak_rss_mib"] = max(m["peak_rss_mib"] for m in all_runs)
    result = json.loads(measured.pop("out"))
    pairs = result["pairs"]
    scored = [p["score"] for p in pairs if p["reasons"]]
    return {
        **measured,
        "pairs": len(scored),
        "chance_pairs": len(pairs) - len(scored),
        "unmatched": len(result["unmatched"]),
        "mean_pair_score": round(statistics.fmean(scored), 2) if scored else 0.0,
    }


# -- /match right after a change ---------------------------------------------------------------


async def suggest_after_change(url: str, members: list[MemberData], samples: int = 100) -> dict[str, Any]:
    db = Database(url)
    rng = random.Random(13)
    ids = [m.member_id for m in members]
    matcher = matchmaking.Matchmaker()
    now = datetime.now(UTC)
    try:
        t = time.perf_counter()
        async with db.session() as session:
            await matcher.index(session, GUILD)
        build_s = time.perf_counter() - t
        warm = []
        for user in rng.sample(ids, 50):
            async with db.session() as session:
                t = time.perf_counter()
                await matcher.suggest(session, GUILD, user, now=now)
                warm.append((time.perf_counter() - t) * 1000)
        offers = [t for m in rng.sample(members, 200) for t in m.offers]
        after: list[float] = []
        after_cpu: list[float] = []  # CPU time of this thread: what a busy machine does not inflate
        sectors = ["government", "company", "social_enterprise", "knowledge_institution", "civil_society"]
        for k in range(samples):
            changed = rng.choice(ids)
            async with db.session() as session:
                if k % 3 == 0:
                    try:
                        await profiles.add_item(session, GUILD, changed, ItemKind.OFFER, rng.choice(offers))
                    except Exception:  # a duplicate or the limit: change the sector instead
                        await profiles.set_profile(session, GUILD, changed, sector=rng.choice(sectors))
                elif k % 3 == 1:
                    needs = await profiles.list_items(session, GUILD, changed, ItemKind.NEED)
                    if needs:
                        await profiles.remove_item(session, GUILD, changed, ItemKind.NEED, needs[0])
                else:
                    await profiles.set_profile(session, GUILD, changed, sector=rng.choice(sectors))
            asker = changed if k % 2 else rng.choice(ids)
            async with db.session() as session:
                t, c = time.perf_counter(), time.thread_time()
                await matcher.suggest(session, GUILD, asker, now=now)
                after.append((time.perf_counter() - t) * 1000)
                after_cpu.append((time.thread_time() - c) * 1000)
        builds = matcher.full_builds
        async with db.session() as session:
            await synonyms.add_group(session, GUILD, "kringloop, tweedehands, second hand", created_by=1)
        async with db.session() as session:
            t = time.perf_counter()
            await matcher.suggest(session, GUILD, ids[0], now=now)
            synonym_s = time.perf_counter() - t
    finally:
        await db.dispose()
    after.sort()
    after_cpu.sort()
    warm.sort()
    return {
        "cache_build_s": round(build_s, 2),
        "full_builds_during_changes": builds - 1,
        "members_applied": matcher.members_applied,
        "suggest_warm_p95_ms": round(warm[int(0.95 * (len(warm) - 1))], 1),
        "samples": len(after),
        "suggest_after_change_p50_ms": round(statistics.median(after), 1),
        "suggest_after_change_p95_ms": round(after[int(0.95 * (len(after) - 1))], 1),
        "suggest_after_change_max_ms": round(after[-1], 1),
        "suggest_after_change_cpu_p95_ms": round(after_cpu[int(0.95 * (len(after_cpu) - 1))], 1),
        "suggest_after_synonym_change_s": round(synonym_s, 2),  # rebuilds the index (documented)
    }


# -- brute force -------------------------------------------------------------------------------


def cdist_pairs(needs: list[str], offers: list[str], threshold: float, processor: Any = None) -> set[tuple[str, str]]:
    import numpy as np  # the [bench] extra

    found: set[tuple[str, str]] = set()
    for start in range(0, len(needs), 2000):
        rows = needs[start : start + 2000]
        m = process.cdist(
            rows,
            offers,
            scorer=STRING_SCORER,
            processor=processor,
            score_cutoff=threshold,
            dtype=np.uint8,
            workers=-1,
        )
        for i, j in zip(*m.nonzero(), strict=True):
            found.add((rows[i], offers[j]))
    return found


def row_by_row(needs: list[str], offers: list[str], threshold: float) -> int:
    found = 0
    for need in needs:
        found += len(
            process.extract(need, offers, scorer=STRING_SCORER, processor=None, score_cutoff=threshold, limit=None)
        )
    return found


def engine_vs_brute(members: list[MemberData]) -> dict[str, Any]:
    t0 = time.perf_counter()
    index = MatchIndex.build(members)
    engine_s = time.perf_counter() - t0
    forms = index.forms
    norm = forms.norm
    need_rows = [s for s in (norm[forms.form(t)] for m in members for t in m.needs) if s]
    offer_rows = [s for s in (norm[forms.form(t)] for m in members for t in m.offers) if s]
    threshold = index.threshold
    distinct_needs, distinct_offers = sorted(set(need_rows)), sorted(set(offer_rows))
    t = time.perf_counter()
    pairs = cdist_pairs(distinct_needs, distinct_offers, threshold)
    distinct_s = time.perf_counter() - t
    # The distinct texts as members wrote them (the brute force), case and punctuation
    # folded by rapidfuzz's default processor.
    texts_needs = sorted({t for m in members for t in m.needs})
    texts_offers = sorted({t for m in members for t in m.offers})
    t = time.perf_counter()
    cdist_pairs(texts_needs, texts_offers, threshold, processor=default_process)
    texts_s = time.perf_counter() - t
    sample = need_rows[::BRUTE_SAMPLE_STEP]
    t = time.perf_counter()
    row_by_row(sample, offer_rows, threshold)
    rows_s = (time.perf_counter() - t) * len(need_rows) / len(sample)
    # Recall: of the string pairs brute force finds, how many the engine scores at or above threshold.
    form_of_norm: dict[str, list[int]] = {}
    for f, s in enumerate(norm):
        form_of_norm.setdefault(s, []).append(f)
    need_count, offer_count = Counter(need_rows), Counter(offer_rows)
    hit = total = hit_w = total_w = 0
    for need, offer in pairs:
        weight = need_count[need] * offer_count[offer]
        found = any(
            forms.text_score(a, b) >= threshold
            for a in form_of_norm[need]
            if a in forms.holders[NEED]
            for b in form_of_norm[offer]
            if b in forms.holders[OFFER]
        )
        total += 1
        total_w += weight
        hit += found
        hit_w += weight * found
    return {
        "members": len(members),
        "need_strings": len(need_rows),
        "offer_strings": len(offer_rows),
        "distinct_need_strings": len(distinct_needs),
        "distinct_offer_strings": len(distinct_offers),
        "distinct_need_texts": len(texts_needs),
        "distinct_offer_texts": len(texts_offers),
        "brute_force_distinct_texts_cdist_all_cores_s": round(texts_s, 2),
        "brute_force_distinct_cdist_all_cores_s": round(distinct_s, 2),
        "brute_force_row_by_row_s": round(rows_s, 2),
        "brute_force_row_by_row_timed_rows": len(sample),
        "engine_build_in_process_s": round(engine_s, 2),
        "brute_force_pairs_distinct": total,
        "recall_distinct_pairs": round(hit / max(1, total), 4),
        "recall_instance_pairs": round(hit_w / max(1, total_w), 4),
    }


# -- many servers ------------------------------------------------------------------------------


def many_servers(servers: int, size: int = 500, cache_mib: int = matchmaking.DEFAULT_CACHE_MIB) -> dict[str, Any]:
    """``servers`` servers of ``size`` members each through one cache with a budget of ``cache_mib``."""
    matcher = matchmaking.Matchmaker(cache_mib)
    scorer = default_scorer()
    t = time.perf_counter()
    held = []
    for s in range(servers):
        members = community(size, seed=1_000 + s)
        index = MatchIndex.build(members, scorer=scorer)
        # As Matchmaker._server stores a server it built from the database (no database here).
        matcher._store(
            GUILD + s, matchmaking._Server(index, (), {}, set(), {}, datetime.now(UTC), size=index.approx_bytes())
        )
        held.append(len(matcher.cached_servers()))
    return {
        "servers": servers,
        "members_per_server": size,
        "cache_budget_mib": cache_mib,
        "servers_cached_at_the_end": held[-1],
        "cached_estimate_mib": round(matcher.cached_bytes() / 2**20, 1),
        "build_per_server_s": round((time.perf_counter() - t) / servers, 3),
        "peak_rss_mib": round(rss_mib(), 1),
    }


# -- all together ------------------------------------------------------------------------------


def at_size(n: int, *, with_suggest: bool) -> tuple[dict[str, Any], list[MemberData]]:
    members = community(n)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = f"sqlite+aiosqlite:///{folder / 'verbinder.db'}"
        t = time.perf_counter()
        asyncio.run(write_database(url, members))
        figures: dict[str, Any] = {"members": n, "database_written_s": round(time.perf_counter() - t, 1)}
        gc.collect()
        # Right after an import: no text analysed yet, the round analyses them all.
        figures["match_command_unanalysed"] = match_command(url, folder)
        # What the bot's minute job does in its runs after an import (all of it here at once).
        t = time.perf_counter()
        figures["texts_analysed"] = asyncio.run(analyse_all(url))
        figures["texts_analysed_s"] = round(time.perf_counter() - t, 1)
        gc.collect()
        # The weekly round: the texts were analysed when written (by the minute job).
        figures["match_command"] = match_command(url, folder, runs=ROUND_RUNS)
        if with_suggest:
            figures["suggest"] = asyncio.run(suggest_after_change(url, members))
    return figures, members


def verdict(figures: dict[str, float | None]) -> dict[str, Any]:
    checks = {}
    for name, (op, target) in TARGETS.items():
        value = figures.get(name)
        ok = None if value is None else (value <= target if op == "<=" else value >= target)
        checks[name] = {"value": value, "target": f"{op} {target:g}", "ok": ok}
    return checks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000, help="the large community (default 100,000)")
    parser.add_argument("--small", type=int, default=10_000, help="the small community, timed too (0: skip)")
    parser.add_argument("--brute-members", type=int, default=10_000)
    parser.add_argument("--servers", type=int, default=0, help="also: this many servers of 500 through one cache")
    parser.add_argument("--cache-mib", type=int, default=matchmaking.DEFAULT_CACHE_MIB, help="its budget")
    parser.add_argument("--quick", action="store_true", help="2,000 members, brute force at 1,000")
    parser.add_argument("--servers-only", action="store_true", help="only the --servers measurement")
    args = parser.parse_args()
    if args.servers_only:
        print(json.dumps(many_servers(args.servers, cache_mib=args.cache_mib)))
        return
    if args.quick:
        args.members, args.small, args.brute_members = 2_000, 0, 1_000
    if args.small >= args.members:
        args.small = 0
    compile_bytecode()
    report: dict[str, Any] = {"python": sys.version.split()[0], "cores": os.cpu_count()}
    flat: dict[str, float | None] = {}
    if args.small:
        small, members_small = at_size(args.small, with_suggest=False)
        report["small"] = small
    large, members_large = at_size(args.members, with_suggest=True)
    report["large"] = large
    brute_members = members_small if args.small == args.brute_members else None
    if brute_members is None:
        brute_members = members_large if args.members == args.brute_members else community(args.brute_members)
    report["engine_vs_brute_force"] = brute = engine_vs_brute(brute_members)
    command_at_brute = (report.get("small") if args.small == args.brute_members else None) or (
        large if args.members == args.brute_members else None
    )
    if args.members == 100_000:
        flat["match_command_100k_s"] = large["match_command"]["seconds"]
        flat["match_command_100k_peak_rss_mib"] = large["match_command"]["peak_rss_mib"]
    small_cmd = report.get("small", large if args.members == 10_000 else None)
    if small_cmd is not None and small_cmd["members"] == 10_000:
        flat["match_command_10k_s"] = small_cmd["match_command"]["seconds"]
    if command_at_brute is not None:
        seconds = command_at_brute["match_command"]["seconds"]
        brute["brute_force_distinct_vs_match_command"] = round(
            brute["brute_force_distinct_texts_cdist_all_cores_s"] / seconds, 2
        )
        brute["brute_force_row_by_row_vs_match_command"] = round(brute["brute_force_row_by_row_s"] / seconds, 1)
        if command_at_brute["members"] == 10_000:
            flat["brute_force_distinct_vs_match_command_10k"] = brute["brute_force_distinct_vs_match_command"]
    flat["suggest_after_change_p95_ms"] = large["suggest"]["suggest_after_change_p95_ms"]
    flat["recall_instance_pairs"] = brute["recall_instance_pairs"]
    if args.servers:
        # In a process of its own: its peak is that of the servers alone.
        argv = [sys.executable, __file__, "--servers-only", "--servers", str(args.servers)]
        out = subprocess.run([*argv, "--cache-mib", str(args.cache_mib)], capture_output=True, check=True).stdout
        report["many_servers"] = many = json.loads(out)
        flat["many_servers_peak_rss_mib"] = many["peak_rss_mib"]
    report["targets"] = verdict(flat)
    measured = [c["ok"] for c in report["targets"].values() if c["ok"] is not None]
    report["all_measured_ok"] = all(measured)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
