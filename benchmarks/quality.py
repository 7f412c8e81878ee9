"""Matching quality on a labelled community. Prints one JSON object.

    python benchmarks/quality.py              # the figures
    python benchmarks/quality.py --errors     # also every wrong suggestion, wrong reason and miss
    python benchmarks/quality.py --set other.json --limit 5

The set (``benchmarks/quality_set.json``) was written by hand, independently of the vocabulary:
every need and offer carries the *kind* of help it is about, and kinds are specific (an Arabic
interpreter is not a Ukrainian one, computer lessons are not computers). A need and an offer fit
when their kinds are equal; two members are a useful pair when one needs a kind the other offers.

Each member gets the engine's top ``--limit`` suggestions (as ``/match`` and ``verbinder suggest``
do: :meth:`MatchIndex.suggest`). Figures:

* ``precision``: useful pairs among the suggestions that come with a reason;
* ``reason_precision``: reasons (need → offer, every one shown) whose two texts fit;
* ``hit_rate``: members with a useful partner in the community who get one in their top list.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.services.matching import MatchIndex, MemberData, plan_round  # noqa: E402
from bot.services.matching.scoring import strength  # noqa: E402

DEFAULT_SET = Path(__file__).resolve().parent / "quality_set.json"


def load_set(path: str | Path = DEFAULT_SET) -> list[dict[str, Any]]:
    members: list[dict[str, Any]] = json.loads(Path(path).read_text(encoding="utf-8"))["members"]
    return members


def evaluate(
    members: Sequence[dict[str, Any]], limit: int = 3, *, errors: bool = False, dump: bool = False
) -> dict[str, Any]:
    kind: dict[tuple[int, str, str], str] = {}
    needs: dict[int, set[str]] = {}
    offers: dict[int, set[str]] = {}
    data = []
    for m in members:
        mid = int(m["id"])
        for role, items in (("need", m["needs"]), ("offer", m["offers"])):
            for text, k in items:
                kind[(mid, role, text)] = k
        needs[mid] = {k for _t, k in m["needs"]}
        offers[mid] = {k for _t, k in m["offers"]}
        data.append(MemberData(mid, m.get("sector"), [t for t, _k in m["needs"]], [t for t, _k in m["offers"]]))
    ids = sorted(needs)

    def useful(a: int, b: int) -> bool:
        return bool(needs[a] & offers[b] or needs[b] & offers[a])

    index = MatchIndex.build(data)
    shown: dict[str, list[Any]] = {}
    suggested = hits = with_partner = good = 0
    reasons = good_reasons = 0
    labels = {"strong": [0, 0], "possible": [0, 0]}
    wrong: list[str] = []
    wrong_reasons: list[str] = []
    missed: list[str] = []
    for a in ids:
        found = index.suggest(a, limit)
        shown[str(a)] = [
            [s.member, s.score, [[r.need_of, r.need, r.offer_of, r.offer, r.score] for r in s.reasons]] for s in found
        ]
        hit = False
        for s in found:
            if not s.reasons:
                continue
            ok = useful(a, s.member)
            suggested += 1
            good += ok
            hit = hit or ok
            labels[strength(s.score)][0] += 1
            labels[strength(s.score)][1] += ok
            for r in s.reasons:
                right = kind[(r.need_of, "need", r.need)] == kind[(r.offer_of, "offer", r.offer)]
                reasons += 1
                good_reasons += right
                if not right:
                    wrong_reasons.append(
                        f"{a}->{s.member} {r.need_of}:{r.need!r} <- {r.offer_of}:{r.offer!r} {r.score}"
                    )
            if not ok:
                why = "; ".join(f"{r.need!r} <- {r.offer!r} ({r.score})" for r in s.reasons)
                wrong.append(f"{a}->{s.member} [{s.score}] {why}")
        if any(useful(a, b) for b in ids if b != a):
            with_partner += 1
            hits += hit
            if not hit:
                missed.append(
                    f"{a}: needs {sorted(needs[a])} offers {sorted(offers[a])} got {[s.member for s in found]}"
                )
    result: dict[str, Any] = {
        "members": len(ids),
        "suggestions_with_reason": suggested,
        "precision": round(good / suggested, 4) if suggested else 0.0,
        "reasons": reasons,
        "reason_precision": round(good_reasons / reasons, 4) if reasons else 0.0,
        "members_with_partner": with_partner,
        "hit_rate": round(hits / with_partner, 4) if with_partner else 0.0,
        "precision_by_label": {k: round(v[1] / v[0], 4) if v[0] else None for k, v in labels.items()},
        "suggestions_by_label": {k: v[0] for k, v in labels.items()},
    }
    if dump:
        result["suggestions"] = shown
        plan = plan_round(index, ids, max_per_member=1)
        result["round"] = [[p.a, p.b, p.score] for p in plan.pairs]
    if errors:
        result["wrong_suggestions"] = wrong
        result["wrong_reasons"] = wrong_reasons
        result["missed"] = missed
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", default=str(DEFAULT_SET), help="labelled community (JSON)")
    parser.add_argument("--limit", type=int, default=3, help="suggestions per member (default 3)")
    parser.add_argument("--errors", action="store_true", help="list wrong suggestions, wrong reasons and misses")
    parser.add_argument(
        "--dump", action="store_true", help="also every suggestion and a weekly round (to compare runs)"
    )
    args = parser.parse_args(argv)
    result = evaluate(load_set(args.set), args.limit, errors=args.errors, dump=args.dump)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
