"""Text-level matching: distinct texts, their features, and which need texts meet which offers.

Members share many texts, and many texts share a normalized form ("Subsidie aanvragen",
"subsidies aanvragen" and "subsidei aanvraag" are one form), so all text work happens once per
*form*. Scores between forms come from two relations, each kept only above the threshold:

* ``str_rel``: rapidfuzz string scores between the normalized strings of need forms and offer
  forms (kept per distinct string: forms differing only in concepts share it), found through a
  stem → strings inverted index (very common stems are skipped when rarer ones exist), then
  scored in C with ``process.extract``; stored when at or above the threshold;
* concept scores between concept *signatures* (a form's concept weights), computed when asked,
  after a cheap test that rejects pairs sharing no strong concept whose weak overlap cannot reach
  the threshold. Candidates for concept matches come from a concept → members index per role.

Nothing here compares every need with every offer.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from operator import itemgetter

from rapidfuzz import process

from bot.services.matching.analysis import fast_fold
from bot.services.matching.scoring import (
    CONCEPT_BASE,
    CONCEPT_BEST,
    CONCEPT_OVERLAP,
    STRING_SCORER,
    Scorer,
    concept_score,
)

try:
    from collections import _count_elements  # C helper behind Counter.update
except ImportError:  # pragma: no cover - other Python implementations

    def _count_elements(mapping: dict[int, int], iterable: Iterable[int]) -> None:
        for element in iterable:
            mapping[element] = mapping.get(element, 0) + 1


NEED, OFFER = 0, 1
# A stem in more forms than this is too common to find candidates with (when rarer stems exist).
COMMON_STEM_MIN = 400
COMMON_STEM_FRACTION = 0.02
STRONG = 0.5  # concepts at or above this weight are a text's topics; below, qualifiers
INDEX_MIN = 0.35  # concepts below this weight (demoted qualifiers) find no candidates
CACHE_LIMIT = 1_000_000  # concept scores kept between signature pairs before the cache is reset


AFFIX = 4
_RANK = itemgetter(0, 1)  # (-score, key) of an entry


def _affixes(tokens: frozenset[str]) -> frozenset[str]:
    return frozenset(k for t in tokens if len(t) > AFFIX for k in ("<" + t[:AFFIX], t[-AFFIX:] + ">"))


class FormTable:
    def __init__(self, scorer: Scorer) -> None:
        self.scorer = scorer
        self.threshold = scorer.threshold
        self._form_of_text: dict[str, int] = {}
        self.known_text = self._form_of_text.get  # the form of a text seen before, else None
        self._form_of_features: dict[tuple[str, tuple[tuple[str, float], ...]], int] = {}
        self.norm: list[str] = []
        self.tokens: list[frozenset[str]] = []
        self._affixes: list[frozenset[str]] = []
        self.sig: list[int] = []
        # Per role: form -> members holding it; stem -> forms; concept -> {member: count}.
        self.holders: tuple[dict[int, set[int]], dict[int, set[int]]] = ({}, {})
        # Per role: normalized string -> forms held with it; stem or affix -> normalized strings.
        # String matching works on distinct strings: forms that differ only in concepts share them.
        self._norm_forms: tuple[dict[str, set[int]], dict[str, set[int]]] = ({}, {})
        self._postings: tuple[dict[str, set[str]], dict[str, set[str]]] = ({}, {})
        self.concept_holders: tuple[dict[int, dict[int, int]], dict[int, dict[int, int]]] = ({}, {})
        # Normalized string -> {normalized string: string score}, both ways, at or above the threshold.
        self.str_rel: dict[str, dict[str, float]] = {}
        # Signatures: distinct concept weightings, with what the fast rejection test needs.
        self._sig_of_concepts: dict[tuple[tuple[str, float], ...], int] = {}
        self.sig_concepts: list[dict[str, float]] = []
        self._keys: list[frozenset[str]] = []
        self._strong: list[frozenset[str]] = []
        self._mass: list[float] = []
        self._weak_mass: list[float] = []
        self._max_weak: list[float] = []
        self._weak_only_bound: list[float] = []  # best concept score possible without a strong overlap
        self.match_keys_of_sig: list[frozenset[str]] = []  # see match_keys()
        self._self_score: list[float] = []
        self._estimates: list[tuple[tuple[int, float], ...]] = []  # (concept number, estimate)
        self._concept_no: dict[str, int] = {}
        self._cache: dict[int, float] = {}
        self._pending: list[tuple[int, int]] = []  # (role, form) whose string matches are owed
        self._bulk = False  # a bulk load is under way: concept_holders are counted at flush()

    # -- forms and signatures ------------------------------------------------------------------

    def form(self, text: str) -> int:
        """The form id of a text (analysed on first sight)."""
        form = self._form_of_text.get(text)
        if form is not None:
            return form
        key = fast_fold(text)
        form = self._form_of_text.get(key)
        if form is None:
            features = self.scorer.analyzer.analyze(text)
            fkey = (features.norm, features.concepts)
            form = self._form_of_features.get(fkey)
            if form is None:
                form = len(self.norm)
                self._form_of_features[fkey] = form
                self.norm.append(features.norm)
                self.tokens.append(features.tokens)
                self._affixes.append(_affixes(features.tokens))
                self.sig.append(self._signature(features.concepts))
            self._form_of_text[key] = form
        self._form_of_text[text] = form
        return form

    def _signature(self, concepts: tuple[tuple[str, float], ...]) -> int:
        sig = self._sig_of_concepts.get(concepts)
        if sig is not None:
            return sig
        sig = len(self.sig_concepts)
        self._sig_of_concepts[concepts] = sig
        weights = dict(concepts)
        mass = sum(weights.values())
        self.sig_concepts.append(weights)
        self._keys.append(frozenset(weights))
        self._strong.append(frozenset(c for c, w in weights.items() if w >= STRONG))
        self._mass.append(mass)
        weak = [w for w in weights.values() if w < STRONG]
        self._weak_mass.append(sum(weak))
        self._max_weak.append(max(weak, default=0.0))
        self._weak_only_bound.append(
            CONCEPT_BASE + CONCEPT_BEST * max(weak, default=0.0) + CONCEPT_OVERLAP * 2 * sum(weak) / (mass + sum(weak) or 1.0)
        )
        strong = self._strong[sig]
        self.match_keys_of_sig.append(strong if self._weak_only_bound[sig] < self.threshold else self._keys[sig])
        self._self_score.append(concept_score(weights, weights) if weights else 0.0)
        # How good a partner holding only this concept would be: orders candidate lists.
        estimates = []
        for c, w in weights.items():
            if w >= INDEX_MIN:
                e = CONCEPT_BASE + CONCEPT_BEST * w + CONCEPT_OVERLAP * 2 * w / (mass + w)
                estimates.append((self._concept_no.setdefault(c, len(self._concept_no)), round(e, 2)))
        self._estimates.append(tuple(estimates))
        return sig

    def keys_of(self, form: int) -> frozenset[str]:
        """The concept ids of a form."""
        return self._keys[self.sig[form]]

    def match_keys(self, form: int) -> frozenset[str]:
        """Concept ids another form must share for a concept match: the strong ones when
        qualifiers alone cannot reach the threshold (most texts), else all."""
        return self.match_keys_of_sig[self.sig[form]]

    def concept_between(self, a: int, b: int) -> float:
        """Concept score of two signatures (symmetric), 0 below the threshold."""
        if a == b:
            return self._self_score[a] if self._self_score[a] >= self.threshold else 0.0
        if self._keys[a].isdisjoint(self._keys[b]):
            return 0.0
        if self._strong[a].isdisjoint(self._strong[b]):
            # Only qualifiers can be shared: best <= the smaller top qualifier weight, overlap <=
            # the smaller qualifier mass.
            bound = CONCEPT_BASE + CONCEPT_BEST * min(self._max_weak[a], self._max_weak[b]) + CONCEPT_OVERLAP * 2 * min(
                self._weak_mass[a], self._weak_mass[b]
            ) / (self._mass[a] + self._mass[b] or 1.0)
            if bound < self.threshold:
                return 0.0
        key = (a << 32 | b) if a < b else (b << 32 | a)
        score = self._cache.get(key)
        if score is None:
            if len(self._cache) >= CACHE_LIMIT:
                self._cache.clear()
            score = concept_score(self.sig_concepts[a], self.sig_concepts[b])
            score = self._cache[key] = score if score >= self.threshold else 0.0
        return score

    # -- holders -------------------------------------------------------------------------------

    def add_holder(self, role: int, form: int, member: int, *, defer: bool = False) -> None:
        self.add_holders(role, (form,), member, defer=defer)

    def add_holders(self, role: int, forms: Iterable[int], member: int, *, defer: bool = False) -> None:
        """``member`` holds ``forms`` in ``role``. With ``defer`` (a bulk load), concept holders
        and string matches wait for :meth:`flush`."""
        holders = self.holders[role]
        for form in forms:
            held = holders.get(form)
            if held is None:
                held = holders[form] = set()
            if not held:
                self._first_holder(role, form, defer)
            held.add(member)
            if not defer:
                by_concept = self.concept_holders[role]
                for concept, _estimate in self._estimates[self.sig[form]]:
                    counts = by_concept.setdefault(concept, {})
                    counts[member] = counts.get(member, 0) + 1
        if defer:
            self._bulk = True

    def _first_holder(self, role: int, form: int, defer: bool) -> None:
        norm = self.norm[form]
        same = self._norm_forms[role].get(norm)
        if same is None:
            same = self._norm_forms[role][norm] = set()
        if not same:
            postings = self._postings[role]
            for token in self.tokens[form] | self._affixes[form]:
                posted = postings.get(token)
                if posted is None:
                    posted = postings[token] = set()
                posted.add(norm)
            # A string new to this role: its matches against the other role are owed.
            if defer:
                if role == NEED:
                    self._pending.append((role, form))
            else:
                self._match(form, role)
        same.add(form)

    def remove_holder(self, role: int, form: int, member: int) -> None:
        held = self.holders[role].get(form)
        if not held or member not in held:
            return
        held.discard(member)
        if not self._bulk:
            by_concept = self.concept_holders[role]
            for concept, _estimate in self._estimates[self.sig[form]]:
                counts = by_concept[concept]
                counts[member] -= 1
                if not counts[member]:
                    del counts[member]
        if held:
            return
        del self.holders[role][form]
        norm = self.norm[form]
        same = self._norm_forms[role][norm]
        same.discard(form)
        if not same:
            del self._norm_forms[role][norm]
            for token in self.tokens[form] | self._affixes[form]:
                norms = self._postings[role][token]
                norms.discard(norm)
                if not norms:
                    del self._postings[role][token]
        if norm not in self._norm_forms[0] and norm not in self._norm_forms[1]:
            # Unused in both roles: forget its string matches (they are recomputed if it returns).
            for other in self.str_rel.pop(norm, {}):
                self.str_rel.get(other, {}).pop(norm, None)

    # -- string matching -----------------------------------------------------------------------

    def flush(self) -> None:
        """Finish a bulk load: count concept holders, compute the string matches owed."""
        if self._bulk:
            # Counted here, per form and concept, in C: far cheaper than per member and text.
            self._bulk = False
            for role in (NEED, OFFER):
                by_concept: dict[int, dict[int, int]] = {}
                for form, held in self.holders[role].items():
                    for concept, _estimate in self._estimates[self.sig[form]]:
                        counts = by_concept.get(concept)
                        if counts is None:
                            counts = by_concept[concept] = {}
                        _count_elements(counts, held)
                self.concept_holders[role].clear()
                self.concept_holders[role].update(by_concept)
        pending, self._pending = self._pending, []
        done: set[tuple[int, str]] = set()
        for role, form in pending:
            key = (role, self.norm[form])
            if key[1] in self._norm_forms[role] and key not in done:
                done.add(key)
                self._match(form, role)

    def _match(self, form: int, role: int) -> None:
        """String matches of a form's normalized string (new in ``role``) against the strings
        held in the other role."""
        found = self._string_matches(form, role)
        if not found:
            return
        query = self.norm[form]
        str_rel = self.str_rel
        get = str_rel.get
        mine = get(query)
        if mine is None:
            mine = str_rel[query] = {}
        for other, score, _i in found:
            mine[other] = score
            theirs = get(other)
            if theirs is None:
                theirs = str_rel[other] = {}
            theirs[query] = score

    def _string_matches(self, form: int, role: int) -> list[tuple[str, float, int]]:
        """(string, score, _) of the other role's strings at or above the threshold."""
        query = self.norm[form]
        if not query:
            return []
        postings = self._postings[1 - role]
        tokens = self.tokens[form]
        stems = [t for t in tokens if t in postings]
        common = max(COMMON_STEM_MIN, int(COMMON_STEM_FRACTION * len(self.holders[1 - role])))
        rare = [t for t in stems if len(postings[t]) <= common]
        # Common stems are skipped unless the rest of the text is short: only then can a text
        # sharing nothing but common stems still reach the threshold.
        if sum(map(len, rare)) > sum(len(t) for t in tokens if t not in rare):
            stems = rare
        # Shared word beginnings and endings find compounds and variants ("ruimte" in
        # "woonruimte", "burn-out" and "burnout") that share no whole stem.
        affixes = {k for k in self._affixes[form] if k in postings and len(postings[k]) <= common}
        if affixes:
            # Every string with a stem also has the stem's beginning and ending: a stem whose
            # affix is used adds nothing to the candidates.
            stems = [
                t for t in stems if len(t) <= AFFIX or ("<" + t[:AFFIX] not in affixes and t[-AFFIX:] + ">" not in affixes)
            ]
        lists = [postings[t] for t in stems]
        lists += [postings[k] for k in affixes]
        if not lists:
            return []
        return process.extract(
            query, set().union(*lists), scorer=STRING_SCORER, processor=None, score_cutoff=self.threshold, limit=None
        )

    # -- scores --------------------------------------------------------------------------------

    def text_score(self, need: int, offer: int) -> float:
        """Score of two forms: the better of string and concept score (0 below the threshold)."""
        if need == offer:
            return 100.0 if self.norm[need] else self.concept_between(self.sig[need], self.sig[need])
        s = self.concept_between(self.sig[need], self.sig[offer])
        rel = self.str_rel.get(self.norm[need])
        if rel is not None:
            t = rel.get(self.norm[offer], 0.0)
            if t > s:
                return t
        return s

    def entries(self, form: int, partner_role: int) -> Iterator[tuple[float, int, set[int] | dict[int, int]]]:
        """(score, key, holders) for who may match ``form`` in the partner role, to be ranked.

        String matches carry their exact score (key ``2 * form + 1``); concept entries (key
        ``2 * concept``) an estimate: the score against a text with only that concept. Entries
        whose estimate is far below the threshold (generic qualifiers) are left out.
        """
        by_concept = self.concept_holders[partner_role]
        floor = self.threshold - 10
        for concept, estimate in self._estimates[self.sig[form]]:
            held = by_concept.get(concept)
            if held and estimate >= floor:
                yield estimate, 2 * concept, held
        rel = self.str_rel.get(self.norm[form])
        if rel:
            form_holders, norm_forms = self.holders[partner_role], self._norm_forms[partner_role]
            for other_norm, score in rel.items():
                for other in norm_forms.get(other_norm, ()):
                    yield score, 2 * other + 1, form_holders[other]

    def ranked_entries(self, form: int, partner_role: int) -> Iterator[tuple[float, int, set[int] | dict[int, int]]]:
        """:meth:`entries` as (-score, key, holders), best first (ties by key), produced lazily:
        taking the first few does not look at the holders of every string match."""
        by_concept = self.concept_holders[partner_role]
        floor = self.threshold - 10
        concepts = []
        for concept, estimate in self._estimates[self.sig[form]]:
            if estimate >= floor:
                held = by_concept.get(concept)
                if held:
                    concepts.append((-estimate, 2 * concept, held))
        concepts.sort(key=_RANK)
        rel = self.str_rel.get(self.norm[form])
        if not rel:
            return iter(concepts)
        return heapq.merge(concepts, self._ranked_strings(rel, partner_role), key=_RANK)

    def _ranked_strings(self, rel: dict[str, float], partner_role: int) -> Iterator[tuple[float, int, set[int]]]:
        form_holders, norm_forms = self.holders[partner_role], self._norm_forms[partner_role]
        items = sorted(rel.items(), key=itemgetter(1), reverse=True)
        i, n = 0, len(items)
        while i < n:
            score = items[i][1]
            group = []
            while i < n and items[i][1] == score:
                for other in norm_forms.get(items[i][0], ()):
                    group.append((-score, 2 * other + 1, form_holders[other]))
                i += 1
            group.sort(key=_RANK)
            yield from group

    def shared_concepts(self, need: int, offer: int) -> tuple[str, ...]:
        a, b = self.sig_concepts[self.sig[need]], self.sig_concepts[self.sig[offer]]
        both = [(-min(w, b[c]), c) for c, w in a.items() if c in b]
        return tuple(c for _, c in sorted(both))

    def stats(self) -> dict[str, int]:
        return {
            "forms": len(self.norm),
            "texts": len(self._form_of_text),
            "signatures": len(self.sig_concepts),
            "concept_scores_cached": len(self._cache),
            "string_relations": sum(len(r) for r in self.str_rel.values()) // 2,
        }
