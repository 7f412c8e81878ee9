"""Weekly rounds: choose introductions that maximise the total pair score.

Approach (documented because exact maximum-weight matching does not scale in pure Python):

1. :meth:`MatchIndex.candidate_edges` builds a sparse graph (a handful of promising partners per
   member, exact pair scores), so the work is linear in the number of participants.
2. :func:`solve` splits that graph into connected components. A component of at most
   ``EXACT_LIMIT`` members (with one introduction each) is solved exactly by dynamic programming
   over subsets. Larger components get greedy matching by descending score (a 1/2-approximation),
   then local search until nothing improves: (a) the best short augmenting path from each member
   with spare capacity (take a partner from someone else, who takes another, ...: up to three
   added edges, six best neighbours per step) and (b) swaps between two chosen pairs (a-b, c-d →
   a-c, b-d). The tests compare this with brute force on small random graphs.

Everything is deterministic: ties are broken by member ids, and chance meetings use a seed.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache

from bot.services.matching.index import MatchIndex, PairFilter, Reason, gc_paused, pair_filter

EXACT_LIMIT = 12
MAX_PER_MEMBER = 3
MAX_PASSES = 3
AUGMENT_DEPTH = 3
AUGMENT_BRANCH = 6
CHANCE_WINDOW = 64
_EPS = 1e-9

Edge = tuple[int, int]


@dataclass(frozen=True, slots=True)
class PlannedPair:
    a: int
    b: int
    score: float
    reasons: list[Reason] = field(default_factory=list)
    chance: bool = False


@dataclass(frozen=True, slots=True)
class RoundPlan:
    pairs: list[PlannedPair]
    unmatched: list[int]

    @property
    def total_score(self) -> float:
        return round(sum(p.score for p in self.pairs), 2)


def plan_round(
    index: MatchIndex,
    participants: Collection[int],
    excluded_pairs: PairFilter | Iterable[tuple[int, int]] | None = None,
    max_per_member: int = 1,
) -> RoundPlan:
    """Introductions for this round among ``participants`` (members who take part this week).

    ``excluded_pairs`` are pairs that met recently (a predicate or a collection of pairs).
    Each participant gets at most ``max_per_member`` introductions; ``unmatched`` lists those
    who got none (hand them to :func:`chance_meetings` if they allow chance meetings).
    """
    if not 1 <= max_per_member <= MAX_PER_MEMBER:
        raise ValueError(f"max_per_member must be between 1 and {MAX_PER_MEMBER}")
    people = {p for p in participants if p in index}
    with gc_paused():
        edges = index.candidate_edges(people, excluded_pairs, per_member=1 + 2 * max_per_member)
        chosen = solve(edges, max_per_member)
        pairs = [PlannedPair(a, b, edges[(a, b)], index.reasons(a, b)) for a, b in chosen]
    pairs.sort(key=lambda p: (-p.score, p.a, p.b))
    matched = {p.a for p in pairs} | {p.b for p in pairs}
    return RoundPlan(pairs, sorted(set(participants) - matched))


def solve(edges: Mapping[Edge, float], capacity: int = 1) -> list[Edge]:
    """Pairs (a < b) maximising the total weight, each vertex in at most ``capacity`` pairs."""
    adj: dict[int, dict[int, float]] = {}
    for (a, b), w in edges.items():
        if a != b and w > 0:
            adj.setdefault(a, {})[b] = w
            adj.setdefault(b, {})[a] = w
    chosen: list[Edge] = []
    rest: list[int] = []
    for component in _components(adj):
        if capacity == 1 and len(component) <= EXACT_LIMIT:
            chosen.extend(_exact(tuple(component), adj))
        else:
            rest.extend(component)
    if rest:
        chosen.extend(_approximate(rest, adj, capacity))
    return sorted((a, b) if a < b else (b, a) for a, b in chosen)


def _components(adj: Mapping[int, Mapping[int, float]]) -> list[list[int]]:
    seen: set[int] = set()
    found = []
    for start in sorted(adj):
        if start in seen:
            continue
        seen.add(start)
        stack, component = [start], []
        while stack:
            v = stack.pop()
            component.append(v)
            for u in adj[v]:
                if u not in seen:
                    seen.add(u)
                    stack.append(u)
        found.append(sorted(component))
    return found


def _exact(vertices: tuple[int, ...], adj: Mapping[int, Mapping[int, float]]) -> list[Edge]:
    position = {v: i for i, v in enumerate(vertices)}

    @cache
    def best(mask: int) -> tuple[float, tuple[Edge, ...]]:
        if not mask:
            return 0.0, ()
        i = (mask & -mask).bit_length() - 1
        v, rest = vertices[i], mask & ~(1 << i)
        result = best(rest)  # v stays unmatched
        for u in sorted(adj[v]):
            j = position[u]
            if rest >> j & 1:
                total, pairs = best(rest & ~(1 << j))
                if total + adj[v][u] > result[0] + _EPS:
                    result = (total + adj[v][u], (*pairs, (v, u)))
        return result

    return list(best((1 << len(vertices)) - 1)[1])


def _approximate(
    vertices: list[int], adj: Mapping[int, Mapping[int, float]], capacity: int, *, single: bool = True
) -> list[Edge]:
    """Greedy, then local search (see the module docstring). With ``capacity`` 1 (and ``single``)
    the same search runs on a partner per member instead of a set: the same pairs, found faster."""
    ranked = sorted((-w, a, b) for a in vertices for b, w in adj[a].items() if a < b)  # heaviest first
    if not ranked:
        return []
    # Heaviest first, ties by id: the order ``ranked`` meets each vertex's edges in (for the same
    # weight, partners below the vertex come first, each side in ascending order).
    neighbours: dict[int, list[int]] = {v: [] for v in vertices}
    mates: dict[int, set[int]] = {v: set() for v in vertices}
    for _w, a, b in ranked:
        neighbours[a].append(b)
        neighbours[b].append(a)
        if len(mates[a]) < capacity and len(mates[b]) < capacity:
            mates[a].add(b)
            mates[b].add(a)
    # Bounds that let the local search skip moves which cannot gain (the results are the same):
    # the heaviest edge at each vertex, and the lightest edge of all.
    heaviest = {v: adj[v][nb[0]] if nb else 0.0 for v, nb in neighbours.items()}
    lightest = -ranked[-1][0]
    spread = -ranked[0][0] - lightest
    del ranked
    if capacity == 1 and single:
        one = _OnePartner({v: next(iter(m)) if m else None for v, m in mates.items()})
        mate = one.mate
        del mates

        def augment() -> bool:
            return _augment_single(vertices, adj, neighbours, one, spread)

        def swap() -> bool:
            return _swap_single(vertices, adj, neighbours, one, heaviest, lightest)

    else:

        def augment() -> bool:
            return _augment(vertices, adj, neighbours, mates, capacity, spread)

        def swap() -> bool:
            return _swap(vertices, adj, neighbours, mates, heaviest, lightest)

    swapped = True
    for _ in range(MAX_PASSES):
        augmented = augment()
        if not augmented and not swapped:
            break  # the state the last swap pass found nothing in: it would again find nothing
        swapped = swap()
        if not augmented and not swapped:
            break
    if capacity == 1 and single:
        return [(a, partner) for a in vertices if (partner := mate[a]) is not None and a < partner]
    return [(a, b) for a in vertices for b in mates[a] if a < b]


def _link(mates: dict[int, set[int]], a: int, b: int, on: bool) -> None:
    if on:
        mates[a].add(b)
        mates[b].add(a)
    else:
        mates[a].discard(b)
        mates[b].discard(a)


def _ordered(items: set[int]) -> Collection[int]:
    """A set's elements in ascending order, as a copy (cheap for the usual zero or one)."""
    return tuple(items) if len(items) < 2 else sorted(items)


def _augment(
    vertices: list[int],
    adj: Mapping[int, Mapping[int, float]],
    neighbours: Mapping[int, list[int]],
    mates: dict[int, set[int]],
    capacity: int,
    spread: float,
) -> bool:
    """From each vertex with room, apply the best short augmenting path while one gains.

    A path adds an edge u-v; if v is full it drops one of v's pairs v-y, and y (now with room)
    may continue the same way, up to ``AUGMENT_DEPTH`` added edges, trying the ``AUGMENT_BRANCH``
    best neighbours at each step. It may also end by leaving y without a partner.
    """
    improved = False
    for u in vertices:
        while len(mates[u]) < capacity:
            gain, ops = _best_path(u, adj, neighbours, mates, capacity, spread)
            if gain <= _EPS:
                break
            for add, a, b in ops:
                _link(mates, a, b, add)
            improved = True
    return improved


def _best_path(
    u: int,
    adj: Mapping[int, Mapping[int, float]],
    neighbours: Mapping[int, list[int]],
    mates: dict[int, set[int]],
    capacity: int,
    spread: float,
) -> tuple[float, list[tuple[bool, int, int]]]:
    """The best path from ``u`` (see :func:`_augment`), the first found among equals.

    Branch and bound: after adding x-v (gain g), a path can still gain at most ``spread`` (the
    heaviest minus the lightest edge) per further step, so neighbours whose bound cannot beat the
    best path found are skipped with all lighter ones. This never changes the result.
    """
    best: list[tuple[float, list[tuple[bool, int, int]]]] = [(0.0, [])]
    margin = _EPS / 2

    def explore(x: int, gain: float, ops: list[tuple[bool, int, int]], used: set[int], depth: int) -> None:
        tried = 0
        ahead = (depth - 1) * spread
        edges = adj[x]
        for v in neighbours[x]:
            if v in used or v in mates[x]:
                continue
            tried += 1
            if tried > AUGMENT_BRANCH:
                break
            g = gain + edges[v]
            if g + ahead <= best[0][0] + margin:
                break  # neighbours come heaviest first: none of the rest can do better
            held = mates[v]
            if len(held) < capacity:
                if g > best[0][0] + _EPS:
                    best[0] = (g, [*ops, (True, x, v)])
                continue
            for y in _ordered(held):
                if y in used:
                    continue
                g2 = g - adj[v][y]
                ops2 = [*ops, (False, v, y), (True, x, v)]
                if g2 > best[0][0] + _EPS:
                    best[0] = (g2, ops2)
                if depth > 1:
                    explore(y, g2, ops2, used | {v, y}, depth - 1)

    explore(u, 0.0, [], {u}, AUGMENT_DEPTH)
    return best[0]


def _swap(
    vertices: list[int],
    adj: Mapping[int, Mapping[int, float]],
    neighbours: Mapping[int, list[int]],
    mates: dict[int, set[int]],
    heaviest: Mapping[int, float],
    lightest: float,
) -> bool:
    """Replace two chosen pairs a-b, c-d by a-c, b-d when that scores more.

    The gain is at most w(a, c) + heaviest(b) - w(a, b) - lightest; neighbours c come heaviest
    first, so the search for a-b stops once that bound cannot be positive.
    """
    improved = False
    margin = _EPS / 2
    for a in vertices:
        edges = adj[a]
        for b in _ordered(mates[a]):
            if b not in mates[a]:
                continue
            done = False
            floor = edges[b] + lightest - heaviest[b] + margin  # w(a, c) must exceed this
            for c in neighbours[a]:
                if edges[c] <= floor:
                    break
                if c == b or c in mates[a]:
                    continue
                for d in _ordered(mates[c]):
                    if d in (a, b) or d in mates[b] or d not in adj[b]:
                        continue
                    if adj[a][c] + adj[b][d] - adj[a][b] - adj[c][d] > _EPS:
                        _link(mates, a, b, False)
                        _link(mates, c, d, False)
                        _link(mates, a, c, True)
                        _link(mates, b, d, True)
                        improved = done = True
                        break
                if done:
                    break
    return improved


# -- capacity 1: the same search as above on one partner per member (None: free) ---------------


class _OnePartner:
    """The search state with one introduction each: every member's partner (None: free), when
    each last changed (a counter), and per member whose search found nothing: when, and every
    member whose partner that search looked at. Until one of those changes, the same search
    would find nothing again, so it is not repeated (the result is the same)."""

    def __init__(self, mate: dict[int, int | None]) -> None:
        self.mate = mate
        self.changed: dict[int, int] = {}
        self.clock = 0
        self.failed: dict[int, tuple[int, list[int]]] = {}

    def link(self, a: int, b: int) -> None:
        self.mate[a], self.mate[b] = b, a
        self.clock += 1
        self.changed[a] = self.changed[b] = self.clock

    def unlink(self, a: int, b: int) -> None:
        self.mate[a] = self.mate[b] = None
        self.clock += 1
        self.changed[a] = self.changed[b] = self.clock

    def unchanged_since_failed(self, u: int) -> bool:
        failed = self.failed.get(u)
        if failed is None:
            return False
        when, looked = failed
        changed = self.changed.get
        return all(changed(v, 0) <= when for v in looked)


def _augment_single(
    vertices: list[int],
    adj: Mapping[int, Mapping[int, float]],
    neighbours: Mapping[int, list[int]],
    one: _OnePartner,
    spread: float,
) -> bool:
    improved = False
    mate = one.mate
    for u in vertices:
        while mate[u] is None:
            if one.unchanged_since_failed(u):
                break
            looked: list[int] = [u]
            gain, ops = _best_path_single(u, adj, neighbours, mate, spread, looked)
            if gain <= _EPS:
                one.failed[u] = (one.clock, looked)
                break
            for add, a, b in ops:
                if add:
                    one.link(a, b)
                else:
                    one.unlink(a, b)
            improved = True
    return improved


def _best_path_single(
    u: int,
    adj: Mapping[int, Mapping[int, float]],
    neighbours: Mapping[int, list[int]],
    mate: dict[int, int | None],
    spread: float,
    looked: list[int],
) -> tuple[float, list[tuple[bool, int, int]]]:
    best: list[tuple[float, list[tuple[bool, int, int]]]] = [(0.0, [])]
    margin = _EPS / 2
    note = looked.append
    # The path being explored and the vertices on it, grown and shrunk as the search goes
    # deeper and back (copied only when a path is the best so far).
    path: list[tuple[bool, int, int]] = []
    used = {u}

    def explore(x: int, gain: float, depth: int) -> None:
        tried = 0
        ahead = (depth - 1) * spread
        edges = adj[x]
        own = mate[x]
        for v in neighbours[x]:
            if v in used or v == own:
                continue
            tried += 1
            if tried > AUGMENT_BRANCH:
                break
            g = gain + edges[v]
            if g + ahead <= best[0][0] + margin:
                break
            y = mate[v]
            note(v)  # (y's partner is v: a change to it is a change to v's)
            if y is None:
                if g > best[0][0] + _EPS:
                    best[0] = (g, [*path, (True, x, v)])
                continue
            if y in used:
                continue
            g2 = g - adj[v][y]
            if g2 > best[0][0] + _EPS:
                best[0] = (g2, [*path, (False, v, y), (True, x, v)])
            if depth > 1:
                path.append((False, v, y))
                path.append((True, x, v))
                used.add(v)
                used.add(y)
                explore(y, g2, depth - 1)
                used.discard(v)
                used.discard(y)
                del path[-2:]

    explore(u, 0.0, AUGMENT_DEPTH)
    return best[0]


def _swap_single(
    vertices: list[int],
    adj: Mapping[int, Mapping[int, float]],
    neighbours: Mapping[int, list[int]],
    one: _OnePartner,
    heaviest: Mapping[int, float],
    lightest: float,
) -> bool:
    improved = False
    margin = _EPS / 2
    mate = one.mate
    for a in vertices:
        b = mate[a]
        if b is None:
            continue
        edges = adj[a]
        floor = edges[b] + lightest - heaviest[b] + margin
        adj_b = adj[b]
        for c in neighbours[a]:
            if edges[c] <= floor:
                break
            if c == b:
                continue
            d = mate[c]
            if d is None or d in (a, b) or d not in adj_b:
                continue
            if edges[c] + adj_b[d] - edges[b] - adj[c][d] > _EPS:
                one.link(a, c)
                one.link(b, d)
                improved = True
                break
    return improved


def chance_meetings(
    members: Iterable[int],
    sector_of: Callable[[int], str | None] | Mapping[int, str | None],
    excluded_pairs: PairFilter | Iterable[tuple[int, int]] | None = None,
    *,
    seed: int | str,
) -> RoundPlan:
    """Pair people who had no match but allow chance meetings, preferring different sectors.

    The order is a shuffle seeded by ``seed`` (for instance the ISO week, "2025-W14"), so a rerun
    of the same week gives the same pairs and each week differs. Pairs carry no reasons.
    """
    lookup = sector_of.get if isinstance(sector_of, Mapping) else sector_of
    is_excluded = pair_filter(excluded_pairs)
    digest = hashlib.sha256(str(seed).encode()).digest()
    order = sorted(set(members))
    random.Random(int.from_bytes(digest[:8], "big")).shuffle(order)
    free = list(order)
    pairs: list[PlannedPair] = []
    while free:
        a = free.pop(0)
        choice = fallback = None
        sa = lookup(a)
        for b in free[:CHANCE_WINDOW]:
            if is_excluded(a, b):
                continue
            sb = lookup(b)
            if sa is not None and sb is not None and sa != sb:
                choice = b
                break
            if fallback is None:
                fallback = b
        partner = choice if choice is not None else fallback
        if partner is None:
            continue
        free.remove(partner)
        pairs.append(PlannedPair(min(a, partner), max(a, partner), 0.0, [], chance=True))
    matched = {p.a for p in pairs} | {p.b for p in pairs}
    return RoundPlan(pairs, sorted(set(order) - matched))
