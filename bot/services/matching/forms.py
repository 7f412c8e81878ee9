"""Text-level matching: distinct texts, their features, and which need texts meet which offers.

Members share many texts, and many texts share a normalized form ("Subsidie aanvragen",
"subsidies aanvragen" and "subsidei aanvraag" are one form), so all text work happens once per
*form*. Scores between forms come from two relations, each kept only above the threshold:

* ``sig_rel``: between concept *signatures* (a form's concept set; few distinct ones), found
  through a concept → signatures index;
* ``str_rel``: rapidfuzz string scores between need forms and offer forms, found through a
  stem → forms inverted index (very common stems are skipped when rarer ones exist), then scored
  in C with ``process.extract``.

Nothing here compares every need with every offer.
"""

from __future__ import annotations

from collections.abc import Iterator

from rapidfuzz import process

from bot.services.matching.scoring import STRING_SCORER, Scorer, concept_score
from bot.text import fold

NEED, OFFER = 0, 1
# A stem in more forms than this is too common to find candidates with (when rarer stems exist).
COMMON_STEM_MIN = 400
COMMON_STEM_FRACTION = 0.02


class FormTable:
    def __init__(self, scorer: Scorer) -> None:
        self.scorer = scorer
        self.threshold = scorer.threshold
        self._form_of_text: dict[str, int] = {}
        self._form_of_features: dict[tuple[str, tuple[tuple[str, float], ...]], int] = {}
        self.norm: list[str] = []
        self.tokens: list[frozenset[str]] = []
        self.sig: list[int] = []
        # Per role: form -> members holding it, stem -> forms, signature -> {member: count}.
        self.holders: tuple[dict[int, set[int]], dict[int, set[int]]] = ({}, {})
        self._postings: tuple[dict[str, set[int]], dict[str, set[int]]] = ({}, {})
        self.sig_holders: tuple[dict[int, dict[int, int]], dict[int, dict[int, int]]] = ({}, {})
        self.str_rel: dict[int, dict[int, float]] = {}
        self._sig_of_concepts: dict[tuple[tuple[str, float], ...], int] = {}
        self.sig_concepts: list[dict[str, float]] = []
        self._sigs_by_concept: dict[str, list[int]] = {}
        self.sig_rel: list[dict[int, float]] = []
        self._pending: list[tuple[int, int]] = []  # (role, form) whose string matches are owed

    # -- forms and signatures ------------------------------------------------------------------

    def form(self, text: str) -> int:
        """The form id of a text (analysed on first sight)."""
        key = fold(text)
        form = self._form_of_text.get(key)
        if form is None:
            features = self.scorer.features(text)
            fkey = (features.norm, features.concepts)
            form = self._form_of_features.get(fkey)
            if form is None:
                form = len(self.norm)
                self._form_of_features[fkey] = form
                self.norm.append(features.norm)
                self.tokens.append(features.tokens)
                self.sig.append(self._signature(features.concepts))
            self._form_of_text[key] = form
        return form

    def _signature(self, concepts: tuple[tuple[str, float], ...]) -> int:
        sig = self._sig_of_concepts.get(concepts)
        if sig is not None:
            return sig
        sig = len(self.sig_concepts)
        self._sig_of_concepts[concepts] = sig
        weights = dict(concepts)
        self.sig_concepts.append(weights)
        rel: dict[int, float] = {}
        self.sig_rel.append(rel)
        if not weights:
            return sig
        others = {o for c in weights for o in self._sigs_by_concept.get(c, ())}
        others.add(sig)
        for c in weights:
            self._sigs_by_concept.setdefault(c, []).append(sig)
        for other in others:
            score = concept_score(weights, self.sig_concepts[other])
            if score >= self.threshold:
                rel[other] = score
                self.sig_rel[other][sig] = score
        return sig

    # -- holders -------------------------------------------------------------------------------

    def add_holder(self, role: int, form: int, member: int, *, defer: bool = False) -> None:
        held = self.holders[role].setdefault(form, set())
        if not held:
            for token in self.tokens[form]:
                self._postings[role].setdefault(token, set()).add(form)
            if defer:
                if role == NEED:
                    self._pending.append((role, form))
            else:
                self._match(form, role)
        held.add(member)
        counts = self.sig_holders[role].setdefault(self.sig[form], {})
        counts[member] = counts.get(member, 0) + 1

    def remove_holder(self, role: int, form: int, member: int) -> None:
        held = self.holders[role].get(form)
        if not held or member not in held:
            return
        held.discard(member)
        sig = self.sig[form]
        counts = self.sig_holders[role][sig]
        counts[member] -= 1
        if not counts[member]:
            del counts[member]
            if not counts:
                del self.sig_holders[role][sig]
        if held:
            return
        del self.holders[role][form]
        for token in self.tokens[form]:
            forms = self._postings[role][token]
            forms.discard(form)
            if not forms:
                del self._postings[role][token]
        if form not in self.holders[1 - role]:
            # Unused in both roles: forget its string matches (they are recomputed if it returns).
            for other in self.str_rel.pop(form, {}):
                self.str_rel.get(other, {}).pop(form, None)

    # -- string matching -----------------------------------------------------------------------

    def flush(self) -> None:
        """Compute the string matches owed by a bulk load."""
        pending, self._pending = self._pending, []
        for role, form in pending:
            if form in self.holders[role]:
                self._match(form, role)

    def _match(self, form: int, role: int) -> None:
        """String matches of a form (in ``role``) against the forms of the other role."""
        query = self.norm[form]
        postings = self._postings[1 - role]
        lists = [postings[t] for t in self.tokens[form] if t in postings]
        if not query or not lists:
            return
        common = max(COMMON_STEM_MIN, int(COMMON_STEM_FRACTION * len(self.holders[1 - role])))
        lists = [p for p in lists if len(p) <= common] or [min(lists, key=len)]
        candidates = list(set().union(*lists))
        choices = [self.norm[c] for c in candidates]
        found = process.extract(
            query, choices, scorer=STRING_SCORER, processor=None, score_cutoff=self.threshold, limit=None
        )
        if not found:
            return
        mine = self.str_rel.setdefault(form, {})
        for _choice, score, i in found:
            other = candidates[i]
            mine[other] = score
            self.str_rel.setdefault(other, {})[form] = score

    # -- scores --------------------------------------------------------------------------------

    def text_score(self, need: int, offer: int) -> float:
        if need == offer:
            return 100.0 if self.norm[need] else 0.0
        s = self.sig_rel[self.sig[need]].get(self.sig[offer], 0.0)
        rel = self.str_rel.get(need)
        if rel is not None:
            t = rel.get(offer, 0.0)
            if t > s:
                return t
        return s

    def entries(self, form: int, partner_role: int) -> Iterator[tuple[float, int, set[int] | dict[int, int]]]:
        """(score, key, holders) for what matches ``form`` in the partner role.

        Keys are ``2 * signature`` for concept matches and ``2 * form + 1`` for string matches.
        """
        sig_holders = self.sig_holders[partner_role]
        for sig, score in self.sig_rel[self.sig[form]].items():
            held = sig_holders.get(sig)
            if held:
                yield score, 2 * sig, held
        form_holders = self.holders[partner_role]
        for other, score in self.str_rel.get(form, {}).items():
            held_f = form_holders.get(other)
            if held_f:
                yield score, 2 * other + 1, held_f

    def shared_concepts(self, need: int, offer: int) -> tuple[str, ...]:
        a, b = self.sig_concepts[self.sig[need]], self.sig_concepts[self.sig[offer]]
        both = [(-min(w, b[c]), c) for c, w in a.items() if c in b]
        return tuple(c for _, c in sorted(both))

    def stats(self) -> dict[str, int]:
        return {
            "forms": len(self.norm),
            "texts": len(self._form_of_text),
            "signatures": len(self.sig_concepts),
            "string_relations": sum(len(r) for r in self.str_rel.values()) // 2,
        }
