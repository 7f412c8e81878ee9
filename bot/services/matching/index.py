"""Member-level matching: who could help whom, and why.

A pair's score looks at both directions (A needs what B offers, B needs what A offers). Each
need contributes its best matching offer as a :class:`Reason`; the pair score is the best reason
plus a diminishing bonus for every further reason and a bonus when the two members work in
different sectors. Bonuses fill a share of the headroom left below 100, so the score never
exceeds 100 and pairs stay distinguishable instead of all saturating at the cap.
It is symmetric by construction: the reasons of (a, b) and
(b, a) are the same set, and only their scores, sorted, enter the sum.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter

from bot.services.matching.forms import NEED, OFFER, FormTable
from bot.services.matching.scoring import DEFAULT_THRESHOLD, Scorer
from bot.services.matching.vocabulary import Vocabulary, load_vocabulary

# The second reason fills up to this share of the headroom below 100, the third half that, ...
EXTRA_REASON_SHARE = 0.5
EXTRA_REASON_DECAY = 0.5
CROSS_SECTOR_SHARE = 0.25
SUGGEST_POOL = 40  # candidates scored exactly per suggest() call (at least 8 x limit)

PairFilter = Callable[[int, int], bool]
_MASK = (1 << 64) - 1


def mix(a: int, b: int) -> int:
    """A deterministic, well-spread hash of two ints (multiply-xorshift): fair tie-breaking that
    does not always favour the lowest member ids and does not depend on PYTHONHASHSEED."""
    x = ((a ^ (b * 0x9E3779B97F4A7C15)) * 0xBF58476D1CE4E5B9) & _MASK
    return x ^ (x >> 29)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector during bulk work (building an index, planning a round).

    That work allocates millions of long-lived containers and frees no cycles; the collector would
    scan them again and again (about a fifth of the build time at 100,000 members). Afterwards
    they are moved to the oldest generation in one step (freeze, unfreeze: no scan), or the first
    young collection after the pause would scan them all (2.6 s at 100,000 members).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def pair_filter(excluded: PairFilter | Iterable[tuple[int, int] | frozenset[int]] | None) -> PairFilter:
    """A predicate ``excluded(a, b)`` from a predicate, a collection of pairs (either order), or None."""
    if excluded is None:
        return lambda a, b: False
    if callable(excluded):
        return excluded
    pairs = {frozenset(p) for p in excluded}
    return lambda a, b: frozenset((a, b)) in pairs


@dataclass(frozen=True, slots=True)
class MemberData:
    member_id: int
    sector: str | None
    needs: Sequence[str]
    offers: Sequence[str]


@dataclass(frozen=True, slots=True)
class Reason:
    """``need_of`` needs ``need``; ``offer_of`` offers ``offer``; texts as the members wrote them."""

    need_of: int
    need: str
    offer_of: int
    offer: str
    score: float
    concepts: tuple[str, ...] = ()  # shared concept ids, strongest first; empty for a textual match


@dataclass(frozen=True, slots=True)
class PairSuggestion:
    member: int
    score: float
    reasons: list[Reason] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Member:
    sector: str | None
    needs: tuple[tuple[int, str], ...]  # (form, text as written), one per distinct form
    offers: tuple[tuple[int, str], ...]
    # Per offer: (form, text, concept ids, normalized string); and all concept ids, forms and
    # normalized strings of the offers, so a need that shares nothing with them is skipped in one step.
    offer_info: tuple[tuple[int, str, frozenset[str], str], ...]
    offer_keys: frozenset[str]
    offer_forms: tuple[int, ...]  # tuples: a member has few, and an empty set alone takes 216 bytes
    offer_norms: tuple[str, ...]


def combine(scores: Iterable[float], cross_sector: bool) -> float:
    """Pair score from reason scores: best + diminishing bonus per further reason + sector bonus."""
    ordered = sorted(scores, reverse=True)
    if not ordered:
        return 0.0
    fill = 0.0
    for i, s in enumerate(ordered[1:]):
        fill += (1 - fill) * EXTRA_REASON_SHARE * s / 100 * EXTRA_REASON_DECAY**i
    if cross_sector:
        fill += (1 - fill) * CROSS_SECTOR_SHARE
    return round(min(100.0, ordered[0] + (100 - ordered[0]) * fill), 2)


class MatchIndex:
    """All members of one server, indexed for matching. Build it, then ask it."""

    def __init__(self, scorer: Scorer, *, for_round: bool = False) -> None:
        """``for_round``: an index for one round (loaded once, asked for candidate edges, pair
        scores and reasons), which skips what only suggestions and changes need."""
        self.scorer = scorer
        self.threshold = scorer.threshold
        self.for_round = for_round
        self.forms = FormTable(scorer, one_way=for_round)
        self._members: dict[int, _Member] = {}

    @classmethod
    def build(
        cls,
        members: Iterable[MemberData],
        vocabulary: Vocabulary | None = None,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        extra_synonyms: Iterable[Sequence[str]] = (),
        scorer: Scorer | None = None,
    ) -> MatchIndex:
        """Index ``members``. ``extra_synonyms`` are the server's own synonym groups.
        Pass a ``scorer`` to reuse its analysis cache across rebuilds (its threshold wins)."""
        if scorer is None:
            vocab = vocabulary if vocabulary is not None else load_vocabulary()
            extra = [list(g) for g in extra_synonyms]
            scorer = Scorer(vocab.extended(extra) if extra else vocab, threshold=threshold)
        index = cls(scorer)
        with gc_paused():
            index.add_bulk(members)
            index.finish_bulk()
        return index

    def add_bulk(self, members: Iterable[MemberData], stored: Mapping[str, str | None] | None = None) -> None:
        """Add members as part of a bulk load (a build fed in parts, e.g. while reading the
        database): string matches and concept counts wait for :meth:`finish_bulk`, which must
        follow before the index is asked anything. Wrap the load in :func:`gc_paused`.
        ``stored``: text -> its stored analysis (see ``stored``), used where it still fits."""
        members = list(members)
        texts = [(sorted(m.needs), sorted(m.offers)) for m in members]  # see _items
        # Texts in the order _add meets them: needs, then offers, member by member.
        self.forms.prepare([t for needs, offers in texts for part in (needs, offers) for t in part], stored)
        of = self._items_sorted
        items = [(m, of(needs), of(offers)) for m, (needs, offers) in zip(members, texts, strict=True)]
        del texts
        # What string matching owes is known now: a helper starts on its share while this
        # process registers the members.
        self.forms.match_early(
            [f for _m, needs, _o in items for f, _t in needs], [f for *_x, offers in items for f, _t in offers]
        )
        add = self._add
        for member, needs, offers in items:
            add(member, defer=True, items=(needs, offers))

    def finish_bulk(self) -> None:
        self.forms.flush()

    # -- membership ----------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._members)

    def __contains__(self, member_id: object) -> bool:
        return member_id in self._members

    def member_ids(self) -> list[int]:
        return sorted(self._members)

    def sector_of(self, member_id: int) -> str | None:
        member = self._members.get(member_id)
        return member.sector if member else None

    def add_member(self, member: MemberData) -> None:
        """Add or replace one member (incremental; the rest of the index stays valid)."""
        self._whole("add_member")
        self._add(member, defer=False)

    def remove_member(self, member_id: int) -> None:
        self._whole("remove_member")
        self._remove(member_id)

    def _remove(self, member_id: int) -> None:
        member = self._members.pop(member_id, None)
        if member is None:
            return
        for role, items in ((NEED, member.needs), (OFFER, member.offers)):
            for form, _text in items:
                self.forms.remove_holder(role, form, member_id)

    def _whole(self, asked: str) -> None:
        if self.for_round:
            raise RuntimeError(f"{asked}: this index was built for one round")

    def _add(
        self,
        data: MemberData,
        *,
        defer: bool,
        items: tuple[tuple[tuple[int, str], ...], tuple[tuple[int, str], ...]] | None = None,
    ) -> None:
        if data.member_id in self._members:
            self._remove(data.member_id)
        forms = self.forms
        needs, offers = items if items is not None else (self._items(data.needs), self._items(data.offers))
        keys, norm = forms.keys_of, forms.norm
        info = tuple([(f, text, keys(f), norm[f]) for f, text in offers])
        record = _Member(
            data.sector or None,
            needs,
            offers,
            info,
            frozenset().union(*[k for _f, _t, k, _n in info]),
            tuple([f for f, _t in offers]),
            tuple(dict.fromkeys([n for _f, _t, _k, n in info])),
        )
        member_id = data.member_id
        self._members[member_id] = record
        forms.add_holders(NEED, [f for f, _t in needs], member_id, defer=defer)
        forms.add_holders(OFFER, [f for f, _t in offers], member_id, defer=defer)

    def _items(self, texts: Sequence[str]) -> tuple[tuple[int, str], ...]:
        return self._items_sorted(sorted(texts))  # independent of the order the texts were stored in

    def _items_sorted(self, texts: Sequence[str]) -> tuple[tuple[int, str], ...]:
        """(form, text) per distinct form that can match, the first text (of ``texts``, sorted) of each."""
        forms = self.forms
        known, form_of, norm, sig, sig_concepts = (
            forms.known_text,
            forms.form,
            forms.norm,
            forms.sig,
            forms.sig_concepts,
        )
        seen: dict[int, str] = {}
        for text in texts:
            form = known(text)
            if form is None:
                form = form_of(text)
            if norm[form] or sig_concepts[sig[form]]:
                seen.setdefault(form, text)
        return tuple(seen.items())

    # -- pairs ---------------------------------------------------------------------------------

    def text_score(self, need: str, offer: str) -> float:
        return self.scorer.score(need, offer)

    def _direction(self, need_of: _Member, offer_of: _Member) -> Iterable[tuple[float, str, int, str, int]]:
        forms = self.forms
        sig, match_keys, str_rel, between = forms.sig, forms.match_keys_of_sig, forms.str_rel, forms.concept_between
        norm = forms.norm
        threshold = self.threshold
        offer_keys, offer_forms, offer_norms = offer_of.offer_keys, offer_of.offer_forms, offer_of.offer_norms
        for need_form, need in need_of.needs:
            sn = sig[need_form]
            kn = match_keys[sn]
            rel = str_rel.get(norm[need_form])
            if (
                kn.isdisjoint(offer_keys)
                and need_form not in offer_forms
                and (rel is None or rel.keys().isdisjoint(offer_norms))
            ):
                continue  # nothing of this offerer's can answer this need
            best, best_offer, best_form = 0.0, "", -1
            for offer_form, offer, ko, offer_norm in offer_of.offer_info:
                if offer_form == need_form:
                    s = forms.text_score(need_form, offer_form)
                else:
                    s = 0.0 if kn.isdisjoint(ko) else between(sn, sig[offer_form])
                    if rel is not None:
                        t = rel.get(offer_norm, 0.0)
                        if t > s and forms.strings_allowed(need_form, offer_form):
                            s = t
                if s > best:
                    best, best_offer, best_form = s, offer, offer_form
            if best >= threshold:
                yield best, need, need_form, best_offer, best_form

    def _scores(self, need_of: _Member, offer_of: _Member, scores: list[float]) -> bool:
        """The scores :meth:`_direction` yields, appended to ``scores``; True (and stop) at a
        perfect one, since a pair with a reason of 100 scores 100 whatever else it has."""
        forms = self.forms
        sig, match_keys, str_rel, between = forms.sig, forms.match_keys_of_sig, forms.str_rel, forms.concept_between
        norm = forms.norm
        threshold = self.threshold
        offer_keys, offer_forms, offer_norms = offer_of.offer_keys, offer_of.offer_forms, offer_of.offer_norms
        for need_form, _need in need_of.needs:
            sn = sig[need_form]
            kn = match_keys[sn]
            rel = str_rel.get(norm[need_form])
            strings = None if rel is None else rel.keys() & offer_norms
            if need_form in offer_forms:
                best = forms.text_score(need_form, need_form)
            elif strings and rel is not None:
                allowed = forms.strings_allowed
                best = max(
                    [rel[n] for f, _o, _k, n in offer_of.offer_info if n in strings and allowed(need_form, f)],
                    default=0.0,
                )
                if not best and kn.isdisjoint(offer_keys):
                    continue
            elif kn.isdisjoint(offer_keys):
                continue  # nothing of this offerer's can answer this need
            else:
                best = 0.0
            if best < 100.0 and not kn.isdisjoint(offer_keys):
                for offer_form, _offer, ko, _norm in offer_of.offer_info:
                    if offer_form != need_form and not kn.isdisjoint(ko):
                        s = between(sn, sig[offer_form])
                        if s > best:
                            best = s
            if best >= threshold:
                if best >= 100.0:
                    return True
                scores.append(best)
        return False

    def pair_score(self, a: int, b: int) -> float:
        """Symmetric pair score 0–100; 0 when nothing matches (or a == b, or unknown)."""
        ma, mb = self._members.get(a), self._members.get(b)
        if ma is None or mb is None or a == b:
            return 0.0
        scores: list[float] = []
        if self._scores(ma, mb, scores) or self._scores(mb, ma, scores):
            return 100.0
        return combine(scores, _cross_sector(ma, mb))

    def reasons(self, a: int, b: int) -> list[Reason]:
        """Every reason the pair has, best first (the same list for (a, b) and (b, a))."""
        ma, mb = self._members.get(a), self._members.get(b)
        if ma is None or mb is None or a == b:
            return []
        found = []
        for need_id, need_of, offer_id, offer_of in ((a, ma, b, mb), (b, mb, a, ma)):
            for s, need, need_form, offer, offer_form in self._direction(need_of, offer_of):
                concepts = self.forms.shared_concepts(need_form, offer_form)
                found.append(Reason(need_id, need, offer_id, offer, s, concepts))
        found.sort(key=lambda r: (-r.score, r.need_of, r.need, r.offer_of, r.offer))
        return found

    def suggestion(self, a: int, b: int) -> PairSuggestion:
        reasons = self.reasons(a, b)
        ma, mb = self._members[a], self._members[b]
        return PairSuggestion(b, combine((r.score for r in reasons), _cross_sector(ma, mb)), reasons)

    # -- suggestions ---------------------------------------------------------------------------

    def suggest(
        self,
        member_id: int,
        limit: int = 5,
        *,
        exclude: Collection[int] = (),
        excluded_pairs: PairFilter | Iterable[tuple[int, int]] | None = None,
    ) -> list[PairSuggestion]:
        """The best partners for one member, best first.

        Candidates come from the index, not from a scan: every text matching one of the member's
        needs or offers, by descending text score, until a pool of candidates is full; only the
        pool is scored exactly. ``exclude`` holds members to leave out (paused, opted out, already
        introduced); ``excluded_pairs`` pairs involving this member to leave out.
        """
        self._whole("suggest")
        member = self._members.get(member_id)
        if member is None or limit <= 0:
            return []
        is_excluded = pair_filter(excluded_pairs)
        want = max(SUGGEST_POOL, 8 * limit)
        entries: list[tuple[float, int, set[int] | dict[int, int]]] = []
        for items, partner_role in ((member.needs, OFFER), (member.offers, NEED)):
            for form, _text in items:
                entries.extend(self.forms.entries(form, partner_role))
        entries.sort(key=lambda e: (-e[0], e[1]))
        # ``exclude`` is only asked ``in`` (it may be a large collection that lists nothing).
        excluded = exclude if isinstance(exclude, AbstractSet | Mapping) else set(exclude)
        seen = {member_id}
        pool: list[int] = []
        for _score, _key, held in entries:
            new = held.keys() - seen if isinstance(held, dict) else held - seen
            if not new:
                continue
            seen |= new
            for b in sorted(new, key=lambda b: mix(member_id, b)):
                if b not in excluded and not is_excluded(member_id, b):
                    pool.append(b)
                    if len(pool) >= want:
                        break
            if len(pool) >= want:
                break
        scored = sorted(((self.pair_score(member_id, b), b) for b in pool), key=lambda t: (-t[0], t[1]))
        return [self.suggestion(member_id, b) for s, b in scored[:limit] if s > 0]

    # -- candidate graph for a round -----------------------------------------------------------

    def candidate_edges(
        self,
        participants: Collection[int],
        excluded_pairs: PairFilter | Iterable[tuple[int, int]] | None = None,
        *,
        per_member: int = 3,
        fanout: int = 3,
        entries_per_item: int = 4,
    ) -> dict[tuple[int, int], float]:
        """A sparse graph of promising pairs among ``participants``, with exact pair scores.

        For each member and each of their needs, the ``entries_per_item`` best matching offer
        texts are visited and ``fanout`` of their holders taken, starting at a position that
        depends on the member (so popular offers are spread over many seekers instead of piling
        onto the same few). Each member keeps its ``per_member`` best candidates. Cost grows with
        the number of participants, not with its square.
        """
        people = set(participants)
        is_excluded = pair_filter(excluded_pairs)
        ranked = self.forms.ranked_entries
        top_cache: dict[int, list[tuple[float, int, tuple[int, ...]]]] = {}
        held_cache: dict[int, tuple[int, ...]] = {}  # entry key -> participants holding it, sorted

        def top(form: int) -> list[tuple[float, int, tuple[int, ...]]]:
            """The best entries of a need form that participants hold: (score, key mixed for
            the start position, holders)."""
            found = []
            for negative, hkey, held in ranked(form, OFFER):
                tup = held_cache.get(hkey)
                if tup is None:
                    tup = held_cache[hkey] = tuple(sorted(people.intersection(held)))
                if tup:
                    found.append((-negative, hkey * 0x9E3779B97F4A7C15, tup))
                    if len(found) >= entries_per_item:
                        break
            top_cache[form] = found
            return found

        members = self._members
        edges: dict[tuple[int, int], float] = {}
        for a in sorted(people):
            member = members.get(a)
            if member is None:
                continue
            # Each member looks from its needs to offers; the other direction is covered when the
            # partner looks from its own needs, and the pair score counts both anyway.
            cands: dict[int, float] = {}
            get = cands.get
            # While every candidate so far scores 100 (no entry scores more), the first
            # ``per_member`` of them that may meet ``a`` are what the sort below keeps whatever
            # comes after (later ones sort behind them; a raised one keeps its place, and there
            # are none below 100 to raise): the rest of the entries need not be visited.
            perfect, sure = True, 0
            for form, _text in member.needs:
                best = top_cache.get(form)
                if best is None:
                    best = top(form)
                for score, mixed, held in best:
                    n = len(held)
                    start = ((a ^ mixed) * 0xBF58476D1CE4E5B9 >> 17) % n
                    end = start + fanout
                    # fanout holders from start on, wrapping around (each at most once)
                    for b in held[start:end] if end <= n else held[start:] + held[: min(end - n, start)]:
                        if score > get(b, 0.0):
                            if perfect:
                                if score < 100.0:
                                    perfect = False
                                elif b != a and not is_excluded(a, b):
                                    sure += 1
                            cands[b] = score
                    if sure >= per_member:
                        break
                if sure >= per_member:
                    break
            cands.pop(a, None)
            # Stable sort: equal scores keep the (member-dependent) order in which they were picked.
            kept = 0
            for b, score in sorted(cands.items(), key=itemgetter(1), reverse=True):
                if is_excluded(a, b):
                    continue
                pair = (a, b) if a < b else (b, a)
                if pair not in edges:
                    # A string entry of 100 is an identical text: the pair scores 100 whatever else.
                    edges[pair] = 100.0 if score >= 100.0 else self.pair_score(a, b)
                kept += 1
                if kept >= per_member:
                    break
        return edges

    def stats(self) -> dict[str, int]:
        return {"members": len(self._members), **self.forms.stats()}

    def approx_bytes(self) -> int:
        """A rough estimate of the memory this index holds (for a cache budget): per member,
        per known text and per string relation. Calibrated on synthetic communities of 500 to
        10,000 members (resident memory grown by a second build: 9.9, 28 and 103 MiB), where it
        errs 0 to 15 % high."""
        forms = self.forms
        relations = sum(map(len, forms.str_rel.values()))
        return 64_000 + 1_000 * len(self._members) + 2_000 * forms.texts_known() + 50 * relations


def _cross_sector(a: _Member, b: _Member) -> bool:
    return a.sector is not None and b.sector is not None and a.sector != b.sector
