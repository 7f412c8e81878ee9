"""Scoring one need text against one offer text, 0–100.

Two signals, the higher wins:

* string similarity: ``rapidfuzz.fuzz.ratio`` on the normalized forms (sorted unique stems,
  compounds split, typos corrected). The forms are already sorted, so this equals
  ``token_sort_ratio`` on them at a quarter of the cost; word order, inflection and small typos
  do not matter;
* concept overlap: texts that share a vocabulary concept score at least ``CONCEPT_BASE +
  CONCEPT_BEST * weight`` (75 for a full-weight concept, above the default threshold of 70), more
  when their concepts overlap more. Qualifier concepts (weight 0.4) or concepts only implied
  through ``broader`` links add less, so a shared audience alone stays below the threshold.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from rapidfuzz import fuzz

from bot.services.matching.analysis import Analyzer, Features
from bot.services.matching.vocabulary import Vocabulary, load_vocabulary

DEFAULT_THRESHOLD = 70.0
# On sorted stems this is token_sort_ratio without the re-sorting.
STRING_SCORER = fuzz.ratio
CONCEPT_BASE = 50.0
CONCEPT_BEST = 25.0
CONCEPT_OVERLAP = 20.0


def string_score(a: Features, b: Features) -> float:
    if not a.norm or not b.norm:
        return 0.0
    return float(STRING_SCORER(a.norm, b.norm))


def concept_score(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Symmetric: the strongest shared concept plus the weighted Dice overlap of both sets."""
    if len(a) > len(b):
        a, b = b, a
    shared = [min(w, b[c]) for c, w in a.items() if c in b]
    if not shared:
        return 0.0
    dice = 2 * sum(shared) / (sum(a.values()) + sum(b.values()))
    return round(CONCEPT_BASE + CONCEPT_BEST * max(shared) + CONCEPT_OVERLAP * dice, 2)


def shared_concepts(a: Mapping[str, float], b: Mapping[str, float]) -> tuple[str, ...]:
    """Shared concept ids, strongest first (ties by id): what a reason can cite."""
    both = [(-min(w, b[c]), c) for c, w in a.items() if c in b]
    return tuple(c for _, c in sorted(both))


class Scorer:
    """Scores texts with one vocabulary; analysis of each distinct text is cached."""

    def __init__(self, vocabulary: Vocabulary | None = None, *, threshold: float = DEFAULT_THRESHOLD) -> None:
        self.vocabulary = vocabulary if vocabulary is not None else load_vocabulary()
        self.analyzer = Analyzer(self.vocabulary)
        self.threshold = threshold
        self.features = lru_cache(maxsize=100_000)(self.analyzer.analyze)

    def score(self, need: str, offer: str) -> float:
        """How well ``offer`` answers ``need``, 0–100 (symmetric in practice)."""
        a, b = self.features(need), self.features(offer)
        return max(string_score(a, b), concept_score(dict(a.concepts), dict(b.concepts)))

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


STRONG_THRESHOLD = 85.0


def strength(score: float) -> str:
    """How a member reads a score: "strong" or "possible" (below the threshold nothing is proposed)."""
    return "strong" if score >= STRONG_THRESHOLD else "possible"
