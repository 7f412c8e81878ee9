"""The concept vocabulary: groups of synonymous Dutch and English terms with stable ids.

The bundled file (``bot/data/vocabulary.json``) covers the social-innovation field; a server's
moderators can add their own synonym groups at run time (``/synonym add``), which are passed to
:meth:`Vocabulary.extended` and become concepts of their own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from bot.text import clean, fold

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "data" / "vocabulary.json"
CUSTOM_PREFIX = "custom."
_SLUG = re.compile(r"[^a-z0-9]+")


# What a concept says about a text (see ``analysis``):
TOPIC = "topic"  # what is asked or offered: the only role that can make a reason
CONTEXT = "context"  # for whom, where, when, for which occasion, by which kind of organisation: ranks only
LANGUAGE = "language"  # a language: two texts that both name languages must share one
SPECIFIC = "specific"  # another specific (a school subject): like languages, they must agree
SERVICE = "service"  # marks teaching, help or advice *about* something, as opposed to the thing itself
ROLES = (TOPIC, CONTEXT, LANGUAGE, SPECIFIC, SERVICE)


@dataclass(frozen=True, slots=True)
class ConceptGroup:
    """One concept. ``role`` says what it does in a match (``TOPIC`` by default); ``object``
    marks a topic that is a thing (laptops, furniture): a text asking for the thing does not match
    one offering lessons or help about it, and ``served_as`` names the topic that the thing plus
    lessons or help amounts to ("gsm-les" is digital inclusion). ``learning`` marks a topic that is
    itself learning (digital skills, a language), where lessons and help both fit; for other topics
    lessons do not answer the service itself (a first-aid course is no first aider at an event).
    ``yields`` marks a topic that says who rather than what ("vrijwilligers", "coaching"): it steps
    back to a modifier when the head names another topic. ``family`` marks a wider concept whose
    narrower ones can stand in for each other (a meeting room for a workspace): they match as a
    possible match, where siblings otherwise do not. ``weight`` < 1 lowers a concept further;
    ``broader`` names wider concepts, implied at a lower weight (they rank, and match a text naming
    the wider concept itself, but two siblings do not match through their parent)."""

    id: str
    terms: tuple[str, ...]
    weight: float = 1.0
    broader: tuple[str, ...] = ()
    role: str = TOPIC
    object: bool = False
    learning: bool = False
    yields: bool = False
    served_as: str | None = None
    family: bool = False

    def __post_init__(self) -> None:
        if not self.id or not self.terms:
            raise ValueError("a concept group needs an id and at least one term")
        if not 0 < self.weight <= 1:
            raise ValueError(f"{self.id}: weight must be in (0, 1]")
        if self.role not in ROLES:
            raise ValueError(f"{self.id}: role must be one of {ROLES}")


@dataclass(frozen=True, slots=True)
class Vocabulary:
    groups: tuple[ConceptGroup, ...]
    # Extra known words: they help compound splitting and typo correction but carry no concept.
    words: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        ids = [g.id for g in self.groups]
        if len(ids) != len(set(ids)):
            raise ValueError("concept ids must be unique")
        known = set(ids)
        for group in self.groups:
            missing = [b for b in group.broader if b not in known]
            if group.served_as is not None and group.served_as not in known:
                missing.append(group.served_as)
            if missing:
                raise ValueError(f"{group.id}: unknown broader or served_as concept(s) {missing}")

    def __len__(self) -> int:
        return len(self.groups)

    def group(self, concept_id: str) -> ConceptGroup:
        for group in self.groups:
            if group.id == concept_id:
                return group
        raise KeyError(concept_id)

    def extended(self, extra: Iterable[Sequence[str]] | Mapping[str, Sequence[str]]) -> Vocabulary:
        """This vocabulary plus server-specific synonym groups.

        ``extra`` is a list of term lists (ids are derived from the first term, so they stay stable
        while the group exists) or a mapping of id to terms. A group whose id already exists gets
        the extra terms added; otherwise it becomes a new concept. A new group that shares a term
        with a bundled one links the two because texts with that term carry both concepts.
        """
        items = extra.items() if isinstance(extra, Mapping) else ((None, terms) for terms in extra)
        groups = {g.id: g for g in self.groups}
        for gid, terms in items:
            cleaned = tuple(t for t in (clean(t) for t in terms) if t)
            if not cleaned:
                continue
            gid = gid or _custom_id(cleaned[0], groups)
            old = groups.get(gid)
            if old is None:
                groups[gid] = ConceptGroup(gid, cleaned)
            else:
                added = tuple(t for t in cleaned if fold(t) not in {fold(o) for o in old.terms})
                groups[gid] = ConceptGroup(
                    gid,
                    old.terms + added,
                    old.weight,
                    old.broader,
                    old.role,
                    old.object,
                    old.learning,
                    old.yields,
                    old.served_as,
                    old.family,
                )
        return Vocabulary(tuple(groups.values()), self.words)


def _custom_id(first_term: str, taken: Mapping[str, object]) -> str:
    base = CUSTOM_PREFIX + (_SLUG.sub("-", fold(first_term)).strip("-") or "group")
    gid, n = base, 2
    while gid in taken:
        gid, n = f"{base}-{n}", n + 1
    return gid


def parse_vocabulary(document: Mapping[str, object]) -> Vocabulary:
    raw_groups = document.get("groups")
    if not isinstance(raw_groups, list):
        raise ValueError("vocabulary: 'groups' must be a list")
    groups = tuple(
        ConceptGroup(
            id=str(g["id"]),
            terms=tuple(str(t) for t in g["terms"]),
            weight=float(g.get("weight", 1.0)),
            broader=tuple(str(b) for b in g.get("broader", ())),
            role=str(g.get("role", TOPIC)),
            object=bool(g.get("object", False)),
            learning=bool(g.get("learning", False)),
            yields=bool(g.get("yields", False)),
            served_as=str(g["served_as"]) if g.get("served_as") else None,
            family=bool(g.get("family", False)),
        )
        for g in raw_groups
    )
    raw_words = document.get("words") or []
    if not isinstance(raw_words, list):
        raise ValueError("vocabulary: 'words' must be a list")
    words = frozenset(fold(str(w)) for w in raw_words)
    return Vocabulary(groups, words)


@cache
def _bundled() -> Vocabulary:
    return parse_vocabulary(json.loads(DEFAULT_PATH.read_text(encoding="utf-8")))


def load_vocabulary(
    path: str | Path | None = None, *, extra: Iterable[Sequence[str]] | Mapping[str, Sequence[str]] = ()
) -> Vocabulary:
    """The bundled vocabulary (or the one at ``path``), plus optional server synonym groups."""
    vocabulary = _bundled() if path is None else parse_vocabulary(json.loads(Path(path).read_text(encoding="utf-8")))
    return vocabulary.extended(extra) if extra else vocabulary
