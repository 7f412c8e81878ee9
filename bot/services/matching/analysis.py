"""Text analysis: short Dutch/English offers and needs become comparable features.

Pipeline per text: fold (case, accents) → tokens → drop stop words → per token: light stemming,
Dutch compound splitting against known words, typo correction against known words → the *head*
(what is asked or offered: the words before the first preposition that starts a modifier, once
the head names something; "hulp bij", "iemand om", "contact met" leave it open) and the
*modifiers* (for whom, where, when, for which occasion) → concept mapping against the vocabulary,
weighted by role and position (see ``_concepts``). The result, :class:`Features`, holds a
normalized string (sorted unique stems, for rapidfuzz), the head's stems, and the concept ids
with a weight each: topics in the head 1.0, their broader concepts 0.6, topics among the
modifiers 0.3, context concepts 0.2, languages and service markers 0.2 (see ``scoring`` for how
they are compared).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.services.matching.vocabulary import CONTEXT, LANGUAGE, SERVICE, SPECIFIC, TOPIC, Vocabulary
from bot.text import fold

_TOKEN = re.compile(r"[a-z0-9]+")
_VOWELS = frozenset("aeiouy")

# Prepositions that start a modifier: in "werkruimte voor reparaties" the need is a workspace,
# "reparaties" only says what for; in "EHBO op evenementen" the offer is first aid, the events
# are the occasion. They are stop words too. A text's head is what comes before the first of
# them, once the head names something (see ``HEAD_OPEN``).
QUALIFIER_PREPOSITIONS = frozenset(
    [
        "voor",
        "aan",
        "met",
        "bij",
        "over",
        "om",
        "op",
        "tegen",
        "naar",
        "in",
        "van",
        "uit",
        "tijdens",
        "rond",
        "rondom",
        "door",
        "for",
        "to",
        "with",
        "about",
        "on",
        "at",
        "during",
        "from",
        "around",
        "near",
        "by",
    ]
)
STOPWORDS = QUALIFIER_PREPOSITIONS | frozenset(
    [
        "de",
        "het",
        "een",
        "en",
        "of",
        "van",
        "in",
        "uit",
        "door",
        "als",
        "die",
        "dat",
        "dit",
        "deze",
        "die",
        "er",
        "is",
        "zijn",
        "ben",
        "wordt",
        "worden",
        "werd",
        "was",
        "mijn",
        "onze",
        "ons",
        "jouw",
        "je",
        "jij",
        "ik",
        "we",
        "wij",
        "zij",
        "ze",
        "hun",
        "haar",
        "hem",
        "hij",
        "wat",
        "wie",
        "waar",
        "hoe",
        "ook",
        "nog",
        "maar",
        "dan",
        "zo",
        "niet",
        "geen",
        "al",
        "alle",
        "allerlei",
        "meer",
        "veel",
        "graag",
        "iemand",
        "iets",
        "mee",
        "kan",
        "kunnen",
        "wil",
        "willen",
        "zoek",
        "zoeken",
        "werken",
        "werkt",
        "werkte",
        "werkten",
        "zoekt",
        "gezocht",
        "nodig",
        "bied",
        "bieden",
        "biedt",
        "aangeboden",
        "heb",
        "hebben",
        "heeft",
        "ons",
        "onze",
        "eigen",
        "elkaar",
        "andere",
        "waarbij",
        "waarmee",
        "welke",
        "tot",
        "binnen",
        "zonder",
        "via",
        "per",
        "the",
        "a",
        "an",
        "and",
        "or",
        "in",
        "is",
        "are",
        "be",
        "been",
        "being",
        "by",
        "as",
        "into",
        "my",
        "our",
        "your",
        "we",
        "i",
        "you",
        "they",
        "their",
        "them",
        "some",
        "any",
        "someone",
        "something",
        "looking",
        "need",
        "needs",
        "needed",
        "offer",
        "offers",
        "offering",
        "can",
        "could",
        "want",
        "wants",
        "would",
        "like",
        "who",
        "what",
        "how",
        "more",
        "very",
        "also",
        "other",
        "others",
        "this",
        "that",
        "these",
        "those",
        "its",
        "it's",
        "via",
        "per",
        "within",
        "without",
    ]
)
# Words that say how, not what ("hulp bij X", "advice on X"): kept for concepts, left out of the
# normalized string so that two texts are not similar just for both asking for help.
GENERIC_WORDS = frozenset(
    [
        "hulp",
        "help",
        "advies",
        "advice",
        "ondersteuning",
        "support",
        "ervaring",
        "experience",
        "kennis",
        "knowledge",
        "expertise",
        "tips",
        "vraag",
        "vragen",
        "question",
        "questions",
        "mensen",
        "people",
        "iemand",
        "someone",
    ]
)
# Words that leave the head open: "hulp bij de boekhouding", "iemand om de tuin te doen",
# "contact met de wethouder", "volunteers to visit seniors" are about what follows them.
HEAD_OPEN = GENERIC_WORDS | frozenset(
    [
        "persoon",
        "personen",
        "person",
        "persons",
        "vrijwilliger",
        "vrijwilligers",
        "volunteer",
        "volunteers",
        "helper",
        "helpers",
        "handen",
        "hands",
        "krachten",
        "contact",
        "contacten",
        "gesprek",
        "gesprekken",
        "ingang",
        "toegang",
        "access",
        "begeleiding",
        "begeleiden",
        "coaching",
        "plek",
        "plekje",
        "plaats",
        "place",
        "spot",
        "team",
        "ploeg",
    ]
)
HEAD_WEIGHT = 1.0  # a topic in the head: what is asked or offered
IMPLIED_WEIGHT = 0.6  # a broader concept of a head topic
MODIFIER_WEIGHT = 0.3  # a topic among the modifiers: ranks only
CONTEXT_WEIGHT = 0.2  # a context concept (audience, place, occasion, organisation form): ranks only, less
MARKER_WEIGHT = 0.2  # languages and the service marker: never make a match, only veto one
_LINKERS = ("", "s", "e", "en")  # Dutch linking sounds: beleid-s-advies, fondsen-werving
CACHE_LIMIT = 400_000  # token and unit-set entries kept before the analysis caches are reset
_STOP, _QUALIFIER = -1, -2  # token ids of stop words and of qualifier prepositions
_FACETS = (LANGUAGE, SPECIFIC)  # never swallowed by a longer term: "Engels" in "vertaling naar het Engels"
# A head word the vocabulary does not know ("praktijkvragen", "placements") is itself a topic, named
# by ``WORD_PREFIX`` + its stem at ``HEAD_WEIGHT``, when the head names no known topic: two texts
# asking for the same unknown thing agree on it. For typos, a long word also carries its first and
# last ``WORD_AFFIX`` letters (``WORD_START`` / ``WORD_END`` + letters) at ``WORD_AFFIX_WEIGHT``: one
# edit leaves one of them intact, so the two texts meet in the index, and ``scoring`` compares the
# whole words.
WORD_PREFIX, WORD_START, WORD_END = "~", "~<", "~>"
WORD_MIN = 5  # shorter unknown words are no topic ("xl", "diy"): too easy to share by chance
WORD_AFFIX = 4
WORD_AFFIX_MIN = 7  # words this long carry their affixes (a typo spares one of them, mostly)
WORD_AFFIX_WEIGHT = 0.5


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light, deliberately aggressive stemmer for Dutch and English inflection.

    It only has to map inflected forms of one word to the same key (subsidies/subsidie/subsidy,
    aanvragen/aanvraag, werven/werving, volunteers/volunteering); both sides of every comparison
    use it, so an odd stem is harmless.
    """
    w = word
    if len(w) <= 3 or not w.isalpha():
        return w
    if w.endswith("ies") and len(w) > 5:
        w = w[:-3] + "i"
    else:
        if w.endswith("s") and len(w) > 4 and w[-2] not in "su" and not w.endswith("is"):
            w = w[:-1]
        if w.endswith("ingen") and len(w) > 7:
            w = w[:-5]
        elif w.endswith("ing") and len(w) > 5:
            w = w[:-3]
        elif w.endswith("en") and len(w) > 4:
            w = _devoice(w[:-2])
            if w.endswith("s") and len(w) > 4 and w[-2] not in "su":
                w = w[:-1]
        elif w.endswith("ed") and len(w) > 5:
            w = w[:-2]
    if w.endswith("e") and len(w) > 4:
        w = w[:-1]
    elif w.endswith("y") and len(w) > 4:
        w = w[:-1] + "i"
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in _VOWELS:
        w = w[:-1]
    if len(w) > 3 and w[-1] not in _VOWELS and w[-2] == w[-3] and w[-2] in "aeou":
        w = w[:-2] + w[-1]
    return _devoice(w)


def _devoice(w: str) -> str:
    # Dutch final devoicing: werv(en) ~ werf, adviez(en) ~ advies.
    if w.endswith("v"):
        return w[:-1] + "f"
    if w.endswith("z"):
        return w[:-1] + "s"
    return w


def fast_fold(text: str) -> str:
    """``bot.text.fold``, with a shortcut for plain printable ASCII (most texts), where it is
    only whitespace collapsing and lower-casing."""
    if text.isascii() and text.isprintable():
        return " ".join(text.split()).lower()
    return fold(text)


def tokens(text: str) -> list[str]:
    """Folded word tokens (single letters dropped)."""
    return [t for t in _TOKEN.findall(fast_fold(text)) if len(t) > 1]


@dataclass(frozen=True, slots=True)
class Features:
    """What the matcher knows about one text."""

    norm: str  # sorted unique stems, space separated: the rapidfuzz input
    tokens: frozenset[str]  # the stems in ``norm``
    concepts: tuple[tuple[str, float], ...]  # (concept id, weight), sorted by id
    head: frozenset[str] = frozenset()  # the stems of the head: what is asked or offered

    @property
    def concept_ids(self) -> frozenset[str]:
        return frozenset(c for c, _ in self.concepts)


@dataclass(frozen=True, slots=True)
class _Unit:
    whole: str  # stem of the (corrected) token
    parts: tuple[str, ...]  # stems of its compound parts, () when not a compound
    known: bool  # the token (or its stem) is a known word


@dataclass(frozen=True, slots=True)
class _Term:
    concept: str
    whole: frozenset[str]
    split: frozenset[str]


class Analyzer:
    """Turns texts into :class:`Features` for one vocabulary. Token work is cached."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self.weights = {g.id: g.weight for g in vocabulary.groups}
        self.roles = {g.id: g.role for g in vocabulary.groups}
        self.yields = frozenset(g.id for g in vocabulary.groups if g.yields)
        self.served_as = {g.id: g.served_as for g in vocabulary.groups if g.served_as}
        self._generic = frozenset(stem(w) for w in GENERIC_WORDS)
        self._open = frozenset(stem(w) for w in HEAD_OPEN) | frozenset(HEAD_OPEN)
        self.broader = {g.id: g.broader for g in vocabulary.groups if g.broader}
        words = set(vocabulary.words)
        for group in vocabulary.groups:
            for phrase in group.terms:
                words.update(t for t in tokens(phrase) if t not in STOPWORDS)
        self.known_words = frozenset(words)
        self.known_stems = frozenset(stem(w) for w in words)
        # Compound parts: a known word, its stem, or either followed by a linking sound.
        self._parts: dict[str, str] = {}
        for w in sorted(words, key=lambda w: (len(w), w)):  # deterministic: not in set order
            if len(w) >= 3:
                for form in (w, stem(w)):
                    for linker in _LINKERS:
                        self._parts.setdefault(form + linker, w)
        # Typo candidates by (length, first letter) and (length, last letter): a typo rarely hits
        # both ends, and small buckets keep correction cheap.
        self._by_end: dict[tuple[int, str, int], list[str]] = {}
        for w in sorted(words):
            if len(w) >= 4 and w.isalpha():
                self._by_end.setdefault((len(w), w[0], 0), []).append(w)
                self._by_end.setdefault((len(w), w[-1], 1), []).append(w)
        # Every prefix (3+ letters) of a compound part: splitting only tries slices that can grow
        # into a part.
        self._prefixes = frozenset(p[:k] for p in self._parts for k in range(3, len(p) + 1))
        self._unit = lru_cache(maxsize=200_000)(self._compute_unit)
        # Texts are analysed through their set of (unit, in head) pairs: token -> unit id, unit ->
        # id, and unit-id set -> features. Texts differing only in case, accents, stop words,
        # word order, inflection or a corrected typo share one entry.
        self._token_ids: dict[str, int] = {}
        self._unit_ids: dict[_Unit, int] = {}
        self._units: list[_Unit] = []
        self._by_units: dict[frozenset[int], Features] = {}
        self._choices: dict[tuple[int, str, str], list[str]] = {}
        terms: list[_Term] = []
        for group in vocabulary.groups:
            for phrase in group.terms:
                units = [self._unit(t) for t in tokens(phrase) if t not in STOPWORDS]
                if units:
                    whole = frozenset(u.whole for u in units)
                    split = frozenset(p for u in units for p in (u.parts or (u.whole,)))
                    terms.append(_Term(group.id, whole, split))
        # Each term is filed under its rarest stem only, so a text checks few terms.
        frequency: dict[str, int] = {}
        for term in terms:
            for stem_ in term.whole | term.split:
                frequency[stem_] = frequency.get(stem_, 0) + 1
        self._by_whole: dict[str, list[_Term]] = {}
        self._by_split: dict[str, list[_Term]] = {}
        self._by_single: dict[str, list[_Term]] = {}  # one-word terms, found in compound heads
        self._term_words = frozenset(next(iter(t.whole)) for t in terms if len(t.whole) == 1)
        for term in terms:
            key = min(term.whole, key=lambda x: (frequency[x], x))
            self._by_whole.setdefault(key, []).append(term)
            if len(term.whole) > 1:  # several words: may match a compound's parts
                key = min(term.split, key=lambda x: (frequency[x], x))
                self._by_split.setdefault(key, []).append(term)
            elif len(term.split) == 1:
                (only,) = term.split
                self._by_single.setdefault(only, []).append(term)

    # -- tokens ------------------------------------------------------------------------------

    def split_compound(self, word: str) -> tuple[str, ...] | None:
        """Known words that make up ``word`` (fewest parts, longest head), or None."""
        n = len(word)
        if n < 6:
            return None
        best: list[tuple[str, ...] | None] = [None] * (n + 1)
        best[n] = ()
        prefixes = self._prefixes
        for i in range(n - 3, -1, -1):
            ends = []  # j where word[i:j] may be a part (longest last)
            j = i + 3
            while j <= n and word[i:j] in prefixes:
                ends.append(j)
                j += 1
            for j in reversed(ends):
                rest = best[j]
                part = self._parts.get(word[i:j])
                if part is None or rest is None or (i == 0 and j == n):
                    continue
                candidate = (part, *rest)
                current = best[i]
                if current is None or len(candidate) < len(current):
                    best[i] = candidate
        found = best[0]
        return found if found and len(found) > 1 else None

    def correct(self, word: str) -> str | None:
        """The known word closest to a misspelt one: one edit (two for long words), else None."""
        if len(word) < 5 or not word.isalpha():
            return None
        limit = 1 if len(word) <= 8 else 2
        key = (len(word), word[0], word[-1])
        choices = self._choices.get(key)
        if choices is None:
            lengths = range(len(word) - limit, len(word) + limit + 1)
            pool = {
                w for n in lengths for end in ((word[0], 0), (word[-1], 1)) for w in self._by_end.get((n, *end), ())
            }
            choices = self._choices[key] = sorted(pool)
        found = process.extractOne(word, choices, scorer=OSA.distance, score_cutoff=limit)
        return found[0] if found else None

    def _compute_unit(self, token: str) -> _Unit:
        s = stem(token)
        known = token in self.known_words or s in self.known_stems
        if not known and len(token) >= 5:
            parts = self.split_compound(token)
            if parts:
                return _Unit(s, tuple(stem(p) for p in parts), False)
            corrected = self.correct(token)
            if corrected:
                token, s, known = corrected, stem(corrected), True
        parts = self.split_compound(token) if known else None
        return _Unit(s, tuple(stem(p) for p in parts) if parts else (), known)

    # -- texts -------------------------------------------------------------------------------

    def analyze(self, text: str) -> Features:
        if len(self._token_ids) >= CACHE_LIMIT or len(self._by_units) >= CACHE_LIMIT:
            self._token_ids.clear()
            self._unit_ids.clear()
            self._units.clear()
            self._by_units.clear()
        token_ids = self._token_ids
        key: list[int] = []  # 2 * unit id + (1 in the head part of the text, else 0)
        head = 1
        named = False  # the head names something (more than "hulp", "iemand", "contact", ...)
        units = self._units
        found_tokens = _TOKEN.findall(fast_fold(text))
        last = len(found_tokens) - 1
        for i, token in enumerate(found_tokens):
            uid = token_ids.get(token)
            if uid is None:
                uid = self._token_id(token)
            if uid < 0:
                # "op te slaan", "aan te vragen": a verb particle, not a preposition.
                if uid == _QUALIFIER and named and (i == last or found_tokens[i + 1] != "te"):
                    head = 0
                continue
            if head and not named and units[uid].whole not in self._open:
                named = True
            key.append(2 * uid + head)
        found = frozenset(key)
        features = self._by_units.get(found)
        if features is None:
            features = self._by_units[found] = self._features(found)
        return features

    def _token_id(self, token: str) -> int:
        if len(token) < 2 or token in STOPWORDS:
            uid = _QUALIFIER if token in QUALIFIER_PREPOSITIONS else _STOP
        else:
            unit = self._unit(token)
            known = self._unit_ids.get(unit)
            if known is None:
                known = self._unit_ids[unit] = len(self._units)
                self._units.append(unit)
            uid = known
        self._token_ids[token] = uid
        return uid

    def _features(self, key: frozenset[int]) -> Features:
        # A canonical order (by content, not by id) keeps the result a function of the text.
        units = sorted(
            ((self._units[k >> 1], bool(k & 1)) for k in key),
            key=lambda uh: (uh[0].whole, uh[0].parts, uh[0].known, uh[1]),
        )
        norm_stems = sorted(
            {p for u, _ in units for p in (u.parts if u.parts and not u.known else (u.whole,))} - self._generic
        )
        # An unknown compound stands for its parts, but one ending in a generic part ("praktijkvragen",
        # "klusjeshulp") also for itself: the last part alone says nothing.
        head = (
            frozenset(
                p
                for u, h in units
                if h
                for p in (
                    (u.whole,)
                    if not u.parts or u.known
                    else (*u.parts, u.whole)
                    if u.parts[-1] in self._open
                    else u.parts
                )
            )
            - self._open
        )
        return Features(" ".join(norm_stems), frozenset(norm_stems), self._concepts(units), head)

    def _concepts(self, units: list[tuple[_Unit, bool]]) -> tuple[tuple[str, float], ...]:
        """Concept weights of a text from its units (and whether each is in the head).

        A term matches when all its stems occur: whole words (and the parts of compounds not known
        as a whole), or, for terms of several words, the parts of compounds ("subsidie aanvraag"
        in "subsidieaanvraag"). The first parts of a compound only modify its last ("computer" in
        "computerles" is what the lesson is about; "jongeren" in "jongerenwerk" is no audience
        here), unless the last part says nothing of its own ("huiswerkhulp"). A term inside a
        longer matched term of another concept does not count ("opslag" in "opslag in de cloud").
        Topics in the head weigh ``HEAD_WEIGHT`` and imply their broader concepts at
        ``IMPLIED_WEIGHT``; topics among the modifiers and context concepts weigh
        ``MODIFIER_WEIGHT``; languages and the service marker ``MARKER_WEIGHT``. A text whose head
        names no topic has its modifier topics counted as head ("bezoekjes aan eenzame ouderen").
        """
        if not units:
            return ()
        # stem -> True when it occurs in the head part
        loose: dict[str, bool] = {}
        split: dict[str, bool] = {}
        single: set[str] = set()  # stems that may match a one-word term through ``split``
        for unit, head in units:
            loose[unit.whole] = loose.get(unit.whole, False) or head
            single.add(unit.whole)
            parts = unit.parts
            if parts and unit.whole not in self._term_words:  # a term as a whole says what it means
                # The part that carries the meaning: the last, unless it is generic.
                main = len(parts) - 1
                if main > 0 and parts[main] in self._open:
                    main -= 1
                for i, p in enumerate(parts):
                    in_head = head and i >= main
                    split[p] = split.get(p, False) or in_head
                    if not unit.known:
                        loose[p] = loose.get(p, False) or in_head  # parts of unknown compounds count alone
                    if i >= main:
                        single.add(p)
            else:
                split[unit.whole] = split.get(unit.whole, False) or head
        found: dict[tuple[str, frozenset[str]], bool] = {}  # (concept, stems matched) -> touches the head
        for s in loose:
            for term in self._by_whole.get(s, ()):
                if term.whole <= loose.keys():
                    key = (term.concept, term.whole)
                    found[key] = found.get(key, False) or any(loose[x] for x in term.whole)
        for s in split:
            for term in self._by_split.get(s, ()):
                if term.split <= split.keys():
                    key = (term.concept, term.split)
                    found[key] = found.get(key, False) or any(split[x] for x in term.split)
        for s in single & split.keys():
            for term in self._by_single.get(s, ()):
                key = (term.concept, term.split)
                found[key] = found.get(key, False) or split[s]
        matched: dict[str, bool] = {}  # concept -> some matching term touches the head
        roles = self.roles
        longer = [(c, stems) for c, stems in found if len(stems) > 1]
        for (concept, stems), in_head in found.items():
            if longer and roles[concept] not in _FACETS and any(c != concept and stems < other for c, other in longer):
                continue  # part of a longer term of another concept
            matched[concept] = matched.get(concept, False) or in_head
        head_topics = {c for c, h in matched.items() if h and roles[c] == TOPIC}
        # A head without a topic lets the modifiers' topics stand in ("bezoekjes aan eenzame
        # ouderen"), unless it holds words the vocabulary does not know: then what is asked is
        # unknown, and the modifiers must not pretend to be it ("microfoon voor een barbecue").
        named = bool(head_topics) or any(
            h and not u.known and u.whole.isalpha() and u.whole not in self._open for u, h in units
        )
        # "vrijwilligers", "coaching": who, not what, when the head names something else too.
        yielding = self.yields if head_topics - self.yields else frozenset()
        weights: dict[str, float] = {}
        for concept, in_head in sorted(matched.items()):
            role = roles[concept]
            if role == TOPIC:
                if concept in yielding and in_head:
                    # "vrijwilligers voor de voedselbank": still volunteers, as a plain offer of
                    # volunteers sees it (a possible match), but no longer what the head is about.
                    level = IMPLIED_WEIGHT
                else:
                    level = HEAD_WEIGHT if in_head or not named else MODIFIER_WEIGHT
            elif role == CONTEXT:
                level = CONTEXT_WEIGHT
            elif role == SERVICE:
                if not in_head:
                    continue  # "a space to hold workshops" is about a space
                level = MARKER_WEIGHT
            else:
                level = MARKER_WEIGHT
            weights[concept] = round(level * self.weights[concept], 3)
        if any(roles[c] == SERVICE for c in weights):
            # A thing plus lessons or help about it: "gsm-les", "help with smartphones".
            for concept, weight in sorted(weights.items()):
                served = self.served_as.get(concept)
                if served is not None and weight >= HEAD_WEIGHT * self.weights[concept]:
                    weights[served] = max(weights.get(served, 0.0), round(HEAD_WEIGHT * self.weights[served], 3))
        for concept, weight in sorted(weights.items()):
            if weight >= HEAD_WEIGHT * self.weights[concept] and roles[concept] == TOPIC:
                self._expand(concept, weights, depth=1)
        if not head_topics:
            for word in self._unknown_head_words(units):
                weights[WORD_PREFIX + word] = HEAD_WEIGHT
                if len(word) >= WORD_AFFIX_MIN:
                    weights[WORD_START + word[:WORD_AFFIX]] = WORD_AFFIX_WEIGHT
                    weights[WORD_END + word[-WORD_AFFIX:]] = WORD_AFFIX_WEIGHT
        return tuple(sorted((c, round(w, 3)) for c, w in weights.items()))

    def _unknown_head_words(self, units: list[tuple[_Unit, bool]]) -> list[str]:
        """The head words the vocabulary does not know (stems), for a head that names no known
        topic: an unknown word, or an unknown compound (a known word as a whole is no topic here)."""
        return sorted(
            {
                u.whole
                for u, h in units
                if h and not u.known and len(u.whole) >= WORD_MIN and u.whole.isalpha() and u.whole not in self._open
            }
        )

    def _expand(self, concept: str, weights: dict[str, float], depth: int) -> None:
        if depth == 0:
            return
        for wider in self.broader.get(concept, ()):
            w = round(IMPLIED_WEIGHT * self.weights[wider], 3)
            if w > weights.get(wider, 0.0):
                weights[wider] = w
                self._expand(wider, weights, depth - 1)
