"""Benchmark of the matching core on a synthetic community. Prints one JSON object.

    python benchmarks/matching.py            # full: 100,000 members, brute force at 10,000
    python benchmarks/matching.py --quick    # seconds: 5,000 members, brute force at 1,000
    python benchmarks/matching.py --members 20000 --brute-members 2000

Members get 5 needs and 5 offers built from the vocabulary's terms, in Dutch or English, often
wrapped in everyday phrasing ("hulp bij ...", "advice on ..."), with a typo in ~10 % of texts,
and a random sector. Measured: index build + ``plan_round`` time (wall clock; the build shares its
string matching with one helper process when two cores are usable, see ``forms``), CPU time
(with the helper's), and peak memory of this process (ru_maxrss; the helper's own peak, about
160 MB at 100,000 members, is not included: ru_maxrss of children counts the parent's pages a
child shares between fork and exec); ``suggest`` latency on the warm index; and, on a smaller
community, the text-level matching of the engine against brute force
over every need string x every offer string with the same string scorer and threshold
(``rapidfuzz.process.cdist`` when numpy is installed, otherwise the same scorer row by row with
``process.extract``), for speed and recall. The all-strings brute force is timed on every
10th need row and scaled; its pairs come from the same brute force over the distinct strings
(identical strings score identically), which is also reported with its own time.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import resource
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rapidfuzz import process  # noqa: E402

from bot.services.matching import MatchIndex, MemberData, load_vocabulary, plan_round  # noqa: E402
from bot.services.matching.forms import NEED, OFFER  # noqa: E402
from bot.services.matching.scoring import STRING_SCORER  # noqa: E402

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
BRUTE_SAMPLE_STEP = 10  # time the all-strings brute force on every 10th need row
TARGETS = {"round_seconds": 60.0, "peak_rss_mib": 2048.0, "suggest_p95_ms": 50.0, "speedup": 20.0, "recall": 0.95}


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


def cpu_s() -> float:
    """CPU time of this process and its finished children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def weekly_round(n: int) -> tuple[dict[str, object], MatchIndex, list[MemberData]]:
    members = community(n)
    gc.collect()
    before = rss_mib()
    c0 = cpu_s()
    t0 = time.perf_counter()
    index = MatchIndex.build(members)
    t1 = time.perf_counter()
    rng = random.Random(3)
    ids = [m.member_id for m in members]
    met = {frozenset(rng.sample(ids, 2)) for _ in range(n // 10)}  # pairs that met recently
    participants = {i for i in ids if rng.random() < 0.9}  # 10 % paused this week
    plan = plan_round(index, participants, lambda a, b: frozenset((a, b)) in met)
    t2 = time.perf_counter()
    c2 = cpu_s()
    assert all(frozenset((p.a, p.b)) not in met for p in plan.pairs)
    return (
        {
            "members": n,
            "participants": len(participants),
            "index_build_s": round(t1 - t0, 2),
            "plan_round_s": round(t2 - t1, 2),
            "round_total_s": round(t2 - t0, 2),
            "round_cpu_s": round(c2 - c0, 2),  # this process and the build's helper, for noisy machines
            "pairs": len(plan.pairs),
            "unmatched": len(plan.unmatched),
            "mean_pair_score": round(plan.total_score / max(1, len(plan.pairs)), 2),
            "rss_before_build_mib": round(before, 1),
            "peak_rss_mib": round(rss_mib(), 1),
            "index": index.stats(),
        },
        index,
        members,
    )


def suggest_latency(index: MatchIndex, members: list[MemberData], samples: int = 200) -> dict[str, object]:
    rng = random.Random(11)
    times = []
    found = 0
    for m in rng.sample(members, min(samples, len(members))):
        t = time.perf_counter()
        found += len(index.suggest(m.member_id, limit=5))
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return {
        "samples": len(times),
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2),
        "max_ms": round(times[-1], 2),
        "mean_suggestions": round(found / len(times), 2),
    }


def brute_force(needs: list[str], offers: list[str], threshold: float) -> tuple[set[tuple[str, str]], float]:
    """Every need string against every offer string; pairs at or above the threshold."""
    found: set[tuple[str, str]] = set()
    t = time.perf_counter()
    try:
        import numpy as np  # noqa: F401  (cdist needs it; it is not a project dependency)

        for start in range(0, len(needs), 2000):
            rows = needs[start : start + 2000]
            m = process.cdist(rows, offers, scorer=STRING_SCORER, score_cutoff=threshold, dtype=np.uint8, workers=-1)
            for i, j in zip(*m.nonzero(), strict=True):
                found.add((rows[i], offers[j]))
        method = "cdist"
    except ImportError:
        for need in needs:
            for offer, _s, _j in process.extract(
                need, offers, scorer=STRING_SCORER, processor=None, score_cutoff=threshold, limit=None
            ):
                found.add((need, offer))
        method = "extract"
    return found, time.perf_counter() - t, method  # type: ignore[return-value]


def engine_vs_brute(n: int) -> dict[str, object]:
    members = community(n, seed=21)
    t0 = time.perf_counter()
    index = MatchIndex.build(members)
    engine_s = time.perf_counter() - t0
    forms = index.forms
    norm = forms.norm
    # The strings brute force compares: every need and every offer, as normalized by the engine.
    need_rows = [norm[forms.form(t)] for m in members for t in m.needs]
    offer_rows = [norm[forms.form(t)] for m in members for t in m.offers]
    need_rows = [s for s in need_rows if s]
    offer_rows = [s for s in offer_rows if s]
    threshold = index.threshold
    # Brute force over every need string x every offer string. Its pairs are those of the distinct
    # strings (equal strings score equally), so that run gives the pairs; the all-strings run is
    # timed on a fixed sample of need rows and scaled (its cost is linear in the rows).
    distinct_needs, distinct_offers = sorted(set(need_rows)), sorted(set(offer_rows))
    pairs, brute_distinct_s, method = brute_force(distinct_needs, distinct_offers, threshold)
    sample = need_rows[::BRUTE_SAMPLE_STEP]
    _sampled, sample_s, _ = brute_force(sample, offer_rows, threshold)
    brute_s = sample_s * len(need_rows) / len(sample)
    # Recall: of the pairs brute force finds, how many the engine scores at or above threshold.
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
        "members": n,
        "need_strings": len(need_rows),
        "offer_strings": len(offer_rows),
        "distinct_need_strings": len(distinct_needs),
        "distinct_offer_strings": len(distinct_offers),
        "brute_force_method": method,
        "brute_force_s": round(brute_s, 2),
        "brute_force_timed_rows": len(sample),
        "brute_force_distinct_strings_s": round(brute_distinct_s, 2),
        "engine_build_s": round(engine_s, 2),
        "speedup": round(brute_s / engine_s, 1),
        "speedup_vs_distinct_strings": round(brute_distinct_s / engine_s, 1),
        "brute_force_pairs_distinct": total,
        "recall_distinct_pairs": round(hit / max(1, total), 4),
        "recall_instance_pairs": round(hit_w / max(1, total_w), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--brute-members", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="5,000 members, brute force at 1,000")
    args = parser.parse_args()
    if args.quick:
        args.members, args.brute_members = 5_000, 1_000
    comparison = engine_vs_brute(args.brute_members)
    gc.collect()
    round_figures, index, members = weekly_round(args.members)
    latency = suggest_latency(index, members)
    ok = {
        "round_seconds": round_figures["round_total_s"] <= TARGETS["round_seconds"],  # type: ignore[operator]
        "peak_rss_mib": round_figures["peak_rss_mib"] <= TARGETS["peak_rss_mib"],  # type: ignore[operator]
        "suggest_p95_ms": latency["p95_ms"] <= TARGETS["suggest_p95_ms"],  # type: ignore[operator]
        "speedup": comparison["speedup"] >= TARGETS["speedup"],  # type: ignore[operator]
        "recall": comparison["recall_instance_pairs"] >= TARGETS["recall"],  # type: ignore[operator]
    }
    print(
        json.dumps(
            {
                "python": sys.version.split()[0],
                "round": round_figures,
                "suggest": latency,
                "engine_vs_brute_force": comparison,
                "targets": TARGETS,
                "ok": ok,
                "all_ok": all(ok.values()),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
