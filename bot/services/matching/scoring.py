"""Scoring one need text against one offer text, 0–100, and what a score means to a member.

A reason needs the *heads* of the two texts to agree: what is asked and what is offered (see
``analysis``: "EHBO op evenementen" is first aid, the events are only the occasion). Two signals:

* concept match: the texts share a topic that is in the head of one and in the head (or implied
  by the head) of the other. Two siblings do not match through their parent, unless the parent is
  a family whose members stand in for each other (rooms). The score is
  ``CONCEPT_BASE + CONCEPT_BEST * best + CONCEPT_OVERLAP * dice``: 85 or more when both heads
  name the topic, 75 or more when one names it and the other a narrower one; shared modifiers
  (audience, place, occasion) raise the overlap, so they rank but never make a match. Vetoes:
  texts that both name languages must share one (an Arabic interpreter is no Ukrainian one), and
  a thing does not match lessons or help about it (laptops are not computer lessons);
* string similarity: ``rapidfuzz.fuzz.ratio`` on the normalized forms (sorted unique stems,
  compounds split, typos corrected); word order, inflection and small typos do not matter. It
  only counts when the heads share a word and the concepts do not contradict it (both texts
  understood as different things, or different languages).

Calibrated so that a member can read it (see :func:`strength`): below ``DEFAULT_THRESHOLD``
nothing is proposed (not in /match, not in weekly rounds); from ``STRONG_THRESHOLD`` on the two
heads name the same thing ("strong match"), in between the link is looser ("possible match").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cached_property, lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from bot.services.matching.analysis import (
    HEAD_WEIGHT,
    IMPLIED_WEIGHT,
    WORD_AFFIX,
    WORD_END,
    WORD_PREFIX,
    WORD_START,
    Analyzer,
    Features,
)
from bot.services.matching.vocabulary import LANGUAGE, SERVICE, SPECIFIC, TOPIC, Vocabulary, load_vocabulary

DEFAULT_THRESHOLD = 70.0
STRONG_THRESHOLD = 85.0
# On sorted stems this is token_sort_ratio without the re-sorting.
STRING_SCORER = fuzz.ratio
CONCEPT_BASE = 60.0
CONCEPT_BEST = 25.0
CONCEPT_OVERLAP = 10.0
_HEAD = HEAD_WEIGHT - 0.01
_IMPLIED = IMPLIED_WEIGHT - 0.01
_AFFIX = 5


def strength(score: float) -> str:
    """How a member reads a score: ``"strong"`` (the heads name the same thing) or ``"possible"``.
    Nothing below ``DEFAULT_THRESHOLD`` is proposed, so there is no third label."""
    return "strong" if score >= STRONG_THRESHOLD else "possible"


def string_score(a: Features, b: Features) -> float:
    if not a.norm or not b.norm:
        return 0.0
    return float(STRING_SCORER(a.norm, b.norm))


def shared_concepts(a: Mapping[str, float], b: Mapping[str, float]) -> tuple[str, ...]:
    """Shared concept ids, strongest first (ties by id): what a reason can cite."""
    both = [(-min(w, b[c]), c) for c, w in a.items() if c in b]
    return tuple(c for _, c in sorted(both))


def heads_meet(a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether two heads share a word (or a word's beginning: "opslag" and "opslagruimte")."""
    if not a or not b:
        return False
    if not a.isdisjoint(b):
        return True
    return not {w[:_AFFIX] for w in a if len(w) >= _AFFIX}.isdisjoint(w[:_AFFIX] for w in b if len(w) >= _AFFIX)


class Scorer:
    """Scores texts with one vocabulary; analysis of each distinct text is cached."""

    def __init__(self, vocabulary: Vocabulary | None = None, *, threshold: float = DEFAULT_THRESHOLD) -> None:
        self.vocabulary = vocabulary if vocabulary is not None else load_vocabulary()
        self.threshold = threshold
        groups = self.vocabulary.groups
        self.topics = frozenset(g.id for g in groups if g.role == TOPIC)
        self.objects = frozenset(g.id for g in groups if g.object)
        # Languages and other specifics (school subjects): two texts that both name some must share one.
        self.languages = frozenset(g.id for g in groups if g.role in (LANGUAGE, SPECIFIC))
        self.services = frozenset(g.id for g in groups if g.role == SERVICE)
        self.teaching = frozenset(g.id for g in groups if g.role == SERVICE and g.learning)
        self.learning = frozenset(g.id for g in groups if g.role == TOPIC and g.learning)
        self.families = frozenset(g.id for g in groups if g.family)
        children: dict[str, set[str]] = {}
        for g in groups:
            for wider in g.broader:
                children.setdefault(wider, set()).add(g.id)
        self.children = {c: frozenset(k) for c, k in children.items()}

    # Made when first needed: a build that reads stored analyses needs none (its set-up is a
    # good part of a small round).
    @cached_property
    def analyzer(self) -> Analyzer:
        return Analyzer(self.vocabulary)

    @cached_property
    def features(self) -> Callable[[str], Features]:
        return lru_cache(maxsize=100_000)(self.analyzer.analyze)

    # -- concepts ------------------------------------------------------------------------------

    def vetoed(self, a: Mapping[str, float], b: Mapping[str, float]) -> bool:
        """Different languages (or school subjects) named on both sides."""
        la = self.languages.intersection(a)
        if not la:
            return False
        lb = self.languages.intersection(b)
        return bool(lb) and la.isdisjoint(lb)

    def agreeing(self, a: Mapping[str, float], b: Mapping[str, float]) -> list[str]:
        """The topics on which two heads agree (empty when a veto applies)."""
        if len(a) > len(b):
            a, b = b, a
        topics, families = self.topics, self.families
        agreed = [
            c
            for c, w in a.items()
            if c in b and c in topics and min(w, b[c]) >= _IMPLIED and (max(w, b[c]) >= _HEAD or c in families)
        ]
        if not agreed or self.vetoed(a, b):
            return []
        # Two different narrower concepts of the agreed one: a bike repairer is no washing-machine
        # repairer, tenancy law is not the law of foundations.
        children = self.children
        agreed = [
            c
            for c in agreed
            if c not in children
            or c in families
            or children[c].isdisjoint(a)
            or children[c].isdisjoint(b)
            or not (children[c].intersection(a).isdisjoint(b))
        ]
        if not agreed:
            return []
        if all(c in self.objects for c in agreed):
            services = self.services
            if services.isdisjoint(a) != services.isdisjoint(b):
                return []  # the thing on one side, lessons or help about it on the other
        elif self.learning.isdisjoint(agreed):
            teaching = self.teaching
            if teaching.isdisjoint(a) != teaching.isdisjoint(b):
                return []  # lessons in the thing on one side, the thing itself on the other
        return agreed

    def word_agreement(self, a: Mapping[str, float], b: Mapping[str, float]) -> float:
        """How strongly two heads that name no known topic agree on an unknown head word (see
        ``analysis.WORD_PREFIX``): the same word, or one typo apart (two in long words), found
        through a shared beginning or end. 0 when they do not, when languages differ, or when both
        texts name known topics (among the modifiers too) and share none of them: "ophalen van
        meubels" is not "ophalen van oud papier"."""
        words_a = [c for c in a if c.startswith(WORD_PREFIX) and c[1].isalpha()]
        if not words_a:
            return 0.0
        words_b = [c for c in b if c.startswith(WORD_PREFIX) and c[1].isalpha()]
        best = 0.0
        for wa in words_a:
            for wb in words_b:
                if wa != wb:
                    x, y = wa[len(WORD_PREFIX) :], wb[len(WORD_PREFIX) :]
                    start, end = WORD_START + x[:WORD_AFFIX], WORD_END + x[-WORD_AFFIX:]
                    if (start not in a or start not in b) and (end not in a or end not in b):
                        continue  # no shared beginning or end: the index would not find them either
                    limit = 1 if max(len(x), len(y)) <= 8 else 2
                    if OSA.distance(x, y, score_cutoff=limit) > limit:
                        continue
                best = max(best, min(a[wa], b[wb]))
        if not best or self.vetoed(a, b):
            return 0.0
        topics = self.topics
        known_a = topics.intersection(a)
        known_b = topics.intersection(b)
        if known_a and known_b and known_a.isdisjoint(known_b):
            return 0.0
        return best

    def concept_score(self, a: Mapping[str, float], b: Mapping[str, float]) -> float:
        """Symmetric: 0 unless the heads agree on a topic (or an unknown head word); then the
        strongest agreeing topic plus the weighted Dice overlap of all concepts (modifiers
        included)."""
        agreed = self.agreeing(a, b)
        if agreed:
            best = max(min(a[c], b[c]) for c in agreed)
        else:
            best = self.word_agreement(a, b)
            if not best:
                return 0.0
        overlap = sum(min(w, b[c]) for c, w in a.items() if c in b)
        dice = 2 * overlap / (sum(a.values()) + sum(b.values()))
        return round(CONCEPT_BASE + CONCEPT_BEST * best + CONCEPT_OVERLAP * dice, 2)

    def strings_allowed(
        self, a: Mapping[str, float], b: Mapping[str, float], head_a: frozenset[str], head_b: frozenset[str]
    ) -> bool:
        """Whether string similarity may make a reason: the heads share a word, no veto, and the
        concepts do not say the two texts are about different things."""
        if not heads_meet(head_a, head_b) or self.vetoed(a, b):
            return False
        topics_a = [c for c, w in a.items() if w >= _HEAD and c in self.topics]
        topics_b = [c for c, w in b.items() if w >= _HEAD and c in self.topics]
        if topics_a and topics_b:
            return bool(self.agreeing(a, b))
        # One side understood, the other only as lessons ("Arabische les" for "tolk Arabisch").
        known = topics_a or topics_b
        if known and self.learning.isdisjoint(known):
            teaching = self.teaching
            return teaching.isdisjoint(a) == teaching.isdisjoint(b)
        return True

    # -- texts ---------------------------------------------------------------------------------

    def score(self, need: str, offer: str) -> float:
        """How well ``offer`` answers ``need``, 0–100 (symmetric in practice)."""
        a, b = self.features(need), self.features(offer)
        ca, cb = dict(a.concepts), dict(b.concepts)
        concept = self.concept_score(ca, cb)
        if a.norm == b.norm and a.norm and not self.vetoed(ca, cb):
            return 100.0
        text = string_score(a, b) if self.strings_allowed(ca, cb, a.head, b.head) else 0.0
        return max(text, concept)

    def matches(self, need: str, offer: str) -> bool:
        return self.score(need, offer) >= self.threshold

    def explain(self, need: str, offer: str) -> tuple[float, tuple[str, ...]]:
        """The score and the shared concept ids behind it."""
        a, b = self.features(need), self.features(offer)
        return self.score(need, offer), shared_concepts(dict(a.concepts), dict(b.concepts))


@lru_cache(maxsize=1)
def default_scorer() -> Scorer:
    return Scorer()


def score(need: str, offer: str, vocabulary: Vocabulary | None = None) -> float:
    """Convenience: score two texts with the bundled vocabulary (or the one given)."""
    scorer = default_scorer() if vocabulary is None else Scorer(vocabulary)
    return scorer.score(need, offer)
