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

A bulk build owes one string query per distinct need string. From ``HELPER_MIN_QUERIES`` on, and
with two usable cores, a share of them runs in a helper process (a fresh interpreter fed the
strings and postings by pipe, so nothing is shared or forked) while this process runs the rest;
the index is the same as when one process does all. The helper starts as early as the queries
are known: from the stored analyses right after the rows are read (``match_early_stored``), else
from the forms before the members are added (``match_early``), else at :meth:`FormTable.flush`.
If the helper cannot start or fails, this process does its share (the helper itself:
``helper_process``).
"""

from __future__ import annotations

import collections
import hashlib
import heapq
import marshal
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from operator import itemgetter

from bot.services.matching import helper_process
from bot.services.matching import stored as stored_analysis
from bot.services.matching.analysis import fast_fold
from bot.services.matching.helper_process import affixes_of
from bot.services.matching.scoring import (
    CONCEPT_BASE,
    CONCEPT_BEST,
    CONCEPT_OVERLAP,
    Scorer,
)


def _count_slowly(mapping: dict[int, int], iterable: Iterable[int]) -> None:
    for element in iterable:
        mapping[element] = mapping.get(element, 0) + 1


# The C helper behind Counter.update (private, hence looked up; other Python implementations
# may lack it).
_Counter = Callable[[dict[int, int], Iterable[int]], None]
_count_elements: _Counter = getattr(collections, "_count_elements", _count_slowly)


NEED, OFFER = 0, 1
# A stem in more forms than this is too common to find candidates with (when rarer stems exist).
COMMON_STEM_MIN = 400
COMMON_STEM_FRACTION = 0.02
STRONG = 0.5  # concepts at or above this weight are a text's topics; below, qualifiers
INDEX_MIN = 0.35  # concepts below this weight (demoted qualifiers) find no candidates
CACHE_LIMIT = 1_000_000  # concept scores kept between signature pairs before the cache is reset
# A bulk load owing at least this many string queries shares them with a helper process when
# two cores are usable (set to None to never start one). The helper takes this share.
HELPER_MIN_QUERIES: int | None = 4_000
HELPER_SHARE = 0.55
# The helper's share when it starts before the members are added (see match_early): while this
# process adds the members (work that grows with the members), the helper matches strings (work
# that grows faster, with the strings and their candidates). So the helper takes less of a
# larger load: 0.8 of 10,000 queries, 0.64 of 40,000 (about 10,000 and 100,000 members; the
# shares where neither process waits for the other on this 2-core machine).
HELPER_EARLY_SHARE = (0.8, 0.64)
HELPER_EARLY_AT = (10_000, 40_000)
# The same when it starts from the stored analyses (see match_early_stored), before this process
# has registered the texts: it has that much longer, and can take all of a small load.
HELPER_STORED_SHARE = (1.0, 0.87)


def _early_share(queries: int, *, stored: bool = False) -> float:
    """The helper's share of ``queries`` early string queries: HELPER_EARLY_SHARE (or
    HELPER_STORED_SHARE) at the sizes HELPER_EARLY_AT, straight on a log scale between and
    beyond them, within 0.5 and 0.9 (1.0 when stored)."""
    (small, large), (at_small, at_large) = HELPER_STORED_SHARE if stored else HELPER_EARLY_SHARE, HELPER_EARLY_AT
    slope = (large - small) / math.log(at_large / at_small)
    return min(1.0 if stored else 0.9, max(0.5, small + slope * math.log(max(1, queries) / at_small)))


_RANK = itemgetter(0, 1)  # (-score, key) of an entry


def _common(forms: int) -> int:
    """Posting sets larger than this, in a role holding ``forms`` forms, are too common to find
    candidates with (see helper_process.string_matches)."""
    return max(COMMON_STEM_MIN, int(COMMON_STEM_FRACTION * forms))


def _stable_key(text: str) -> int:
    """A 62-bit key from a string, the same in every process (unlike ``hash``)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big") >> 2


def spawn_helper(analyse: bool = True) -> helper_process.Helper | None:
    """A helper process for a bulk build when two cores are usable (and helpers are not off),
    else None. ``analyse``: it prepares to analyse texts (see :meth:`FormTable.prepare`)."""
    if HELPER_MIN_QUERIES is None or helper_process.cores() < 2:
        return None
    return helper_process.Helper.start(analyse)


class FormTable:
    def __init__(self, scorer: Scorer, *, one_way: bool = False) -> None:
        self.scorer = scorer
        self.threshold = scorer.threshold
        # One way: needs find offers, never offers needs (a table for one round, loaded once):
        # the need strings are not posted and the need concepts not counted.
        self.one_way = one_way
        self._form_of_text: dict[str, int] = {}
        self.known_text = self._form_of_text.get  # the form of a text seen before, else None
        self._form_of_features: dict[tuple[str, tuple[tuple[str, float], ...], frozenset[str]], int] = {}
        self.norm: list[str] = []
        self.heads: list[frozenset[str]] = []  # the stems of each form's head
        self._strings_ok: dict[int, bool] = {}  # (need form, offer form) -> string score may count
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
        # Normalized string -> {normalized string: string score}, both ways, at or above the threshold
        # (one way: under need strings only, which is all a one-way table reads).
        self.str_rel: dict[str, dict[str, float]] = {}
        # Signatures: distinct concept weightings, with what the fast rejection test needs.
        self._sig_of_concepts: dict[tuple[tuple[str, float], ...], int] = {}
        self.sig_concepts: list[dict[str, float]] = []
        self._keys: list[frozenset[str]] = []
        self._strong: list[frozenset[str]] = []
        self._mass: list[float] = []
        self.match_keys_of_sig: list[frozenset[str]] = []  # see match_keys()
        self._self_score: list[float] = []
        self._estimates: list[tuple[tuple[int, float], ...]] = []  # (concept number, estimate)
        self._concept_no: dict[str, int] = {}
        # Entry keys (see entries()) come from content, not from the order forms and concepts were
        # first seen, so tie-breaks do not depend on the order members were loaded in.
        self._concept_key: list[int] = []
        self._form_key: list[int] = []
        self._cache: dict[int, float] = {}
        self._pending: list[tuple[int, int]] = []  # (role, form) whose string matches are owed
        self._bulk = False  # a bulk load is under way: concept_holders are counted at flush()
        self._helper: helper_process.Helper | None = None  # of a bulk build, see start_helper()
        # String queries the helper started on before the load was added (see match_early):
        # (its share of the need strings, all need strings it was told of, the limit of common
        # stems and the offer strings it matched against).
        self._early: tuple[list[str], set[str], int, list[str]] | None = None

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
            form = self._form_of_text[key] = self._register(features.norm, features.concepts, features.head)
        self._form_of_text[text] = form
        return form

    def _register(self, norm: str, concepts: tuple[tuple[str, float], ...], head: frozenset[str]) -> int:
        """The form of analysed features (``norm``, ``concepts``, ``head``), new if unseen.
        Forms are keyed by all three: texts with the same stems and concepts but a different head
        are scored differently (see ``Scorer.strings_allowed``)."""
        fkey = (norm, concepts, head)
        form = self._form_of_features.get(fkey)
        if form is None:
            form = len(self.norm)
            self._form_of_features[fkey] = form
            self.norm.append(norm)
            self.heads.append(head)
            self._form_key.append(0)  # made when first asked for (see form_key)
            tokens = frozenset(norm.split())  # the stems of ``norm`` (as Features.tokens)
            self.tokens.append(tokens)
            self._affixes.append(affixes_of(tokens))
            self.sig.append(self._signature(concepts))
        return form

    def form_key(self, form: int) -> int:
        """A form's tie-break key among string matches: from its content (odd, unlike a concept's).
        Made on first use: a round ranks the string matches of few forms beyond their score."""
        key = self._form_key[form]
        if not key:
            concepts = tuple(self.sig_concepts[self.sig[form]].items())  # as registered
            content = (self.norm[form], concepts, sorted(self.heads[form]))  # no set order
            key = self._form_key[form] = _stable_key(repr(content)) << 1 | 1
        return key

    def start_helper(self, analyse: bool = True) -> None:
        """Start the helper process of a bulk build now (if two cores are usable), so that it is
        ready when :meth:`prepare` (``analyse``) or :meth:`flush` have work for it. Closed by
        :meth:`flush`."""
        if self._helper is None:
            self._helper = spawn_helper(analyse)

    def use_helper(self, helper: helper_process.Helper) -> None:
        """Use a helper from :func:`spawn_helper` (started before this table existed)."""
        self._close_helper()
        self._helper = helper

    def prepare(self, texts: Sequence[str], stored: Mapping[str, str | None] | None = None) -> None:
        """Analyse the new texts among ``texts`` (a bulk build's, in the order it will see
        them), using a text's analysis in ``stored`` (text -> stored value, see ``stored``)
        when it fits this vocabulary. From ``HELPER_MIN_TEXTS`` texts to analyse on, a helper
        process analyses a share while this process does the rest; forms are numbered in the
        order of ``texts`` either way, so the index is the same as when :meth:`form` meets
        the texts one by one. A helper that analysed is then replaced by a fresh one for
        :meth:`flush` (a smaller peak of memory)."""
        known, first = self._form_of_text, {}
        key_of: dict[str, str] = {}  # new text as written -> its folded key
        for text in dict.fromkeys(texts):  # each distinct text once, in order
            if text not in known:
                key = key_of[text] = fast_fold(text)
                if key not in known and key not in first:
                    first[key] = text
        features: dict[str, stored_analysis.Analysed] = {}
        # Texts of one form store the same value: each distinct value is decoded and registered once.
        value_of: dict[str, str] = {}  # folded key -> its stored value, when that fits
        if stored:
            fingerprint = stored_analysis.analysis_key(self.scorer.vocabulary)
            decode, get = stored_analysis.decode, stored.get
            decoded: dict[str | None, stored_analysis.Analysed | None] = {}
            for key, text in first.items():
                value = get(text)
                if value in decoded:
                    analysed = decoded[value]
                else:
                    analysed = decoded[value] = decode(fingerprint, value)
                if analysed is not None and value is not None:
                    features[key] = analysed
                    value_of[key] = value
        missing = [key for key in first if key not in features]
        if stored_analysis.HELPER_MIN_TEXTS is None or len(missing) < stored_analysis.HELPER_MIN_TEXTS:
            if not features:
                return  # form() analyses them as they come
        else:
            self.start_helper()
        if missing:
            found, used = stored_analysis.analyse_many(self.scorer, [first[k] for k in missing], self._helper)
            features.update(zip(missing, found, strict=True))
            if used:
                # A new helper for the string matching: it starts while this process registers
                # the forms, and holds no analysis caches.
                self._close_helper()
                self.start_helper(analyse=False)
        register = self._register
        form_of_value: dict[str, int] = {}
        for key in first:
            value = value_of.get(key)
            if value is None:
                known[key] = register(*features[key])
            else:
                form = form_of_value.get(value)
                if form is None:
                    form = form_of_value[value] = register(*features[key])
                known[key] = form
        for text, key in key_of.items():  # as form() would remember them
            form = known.get(key)
            if form is not None:
                known[text] = form

    def _close_helper(self) -> None:
        if self._helper is not None:
            self._helper.close()
            self._helper = None

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
        # A concept match needs a shared head topic (see scoring), so only strong concepts find one.
        self.match_keys_of_sig.append(self._strong[sig])
        self._self_score.append(-1.0)  # made when first asked for (see concept_between)
        # How good a partner holding only this concept would be: orders candidate lists.
        estimates = []
        for c, w in weights.items():
            if w >= INDEX_MIN:
                e = CONCEPT_BASE + CONCEPT_BEST * w + CONCEPT_OVERLAP * 2 * w / (mass + w)
                number = self._concept_no.get(c)
                if number is None:
                    number = self._concept_no[c] = len(self._concept_no)
                    self._concept_key.append(_stable_key(c) << 1)
                estimates.append((number, round(e, 2)))
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
            own = self._self_score[a]
            if own < 0:
                weights = self.sig_concepts[a]
                own = self._self_score[a] = self.scorer.concept_score(weights, weights) if weights else 0.0
            return own if own >= self.threshold else 0.0
        if self._keys[a].isdisjoint(self._keys[b]):
            return 0.0
        if self._strong[a].isdisjoint(self._strong[b]):
            return 0.0  # only modifiers can be shared: they never make a match
        key = (a << 32 | b) if a < b else (b << 32 | a)
        score = self._cache.get(key)
        if score is None:
            if len(self._cache) >= CACHE_LIMIT:
                self._cache.clear()
            score = self.scorer.concept_score(self.sig_concepts[a], self.sig_concepts[b])
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
            if role == OFFER or not self.one_way:
                self._post(self._postings[role], form)
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
            for role in (OFFER,) if self.one_way else (NEED, OFFER):
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
        owed = []
        for role, form in pending:
            key = (role, self.norm[form])
            if key[1] in self._norm_forms[role] and key not in done:
                done.add(key)
                owed.append((role, form))
        try:
            if self._finish_early(owed):
                return
            if HELPER_MIN_QUERIES is not None and len(owed) >= HELPER_MIN_QUERIES:
                self.start_helper(analyse=False)
                if self._helper is not None and self._match_shared(owed, self._helper):
                    return
            for role, form in owed:
                self._match(form, role)
        finally:
            self._close_helper()

    def match_early(self, need_forms: Sequence[int], offer_forms: Sequence[int]) -> None:
        """Start the helper on its share of the string queries of a bulk load into an empty
        table, before the members are added: ``need_forms`` and ``offer_forms`` are the forms
        the load will hold (as ``add_holders`` will get them). The queries and postings are
        those :meth:`flush` would have, so the result is the same; :meth:`flush` runs this
        process's share and takes the helper's."""
        helper = self._early_helper()
        if helper is None:
            return
        queries: dict[str, int] = {}  # need string -> its first form, as _first_holder owes them
        for form in need_forms:
            queries.setdefault(self.norm[form], form)
        if len(queries) < (HELPER_MIN_QUERIES or 0):
            return
        offers: dict[str, int] = {}
        for form in offer_forms:
            offers.setdefault(self.norm[form], form)
        postings: dict[str, set[str]] = {}
        for form in offers.values():
            self._post(postings, form)
        common = _common(len(set(offer_forms)))
        owed = list(queries.values())
        # The helper takes the larger share: this process first adds the members.
        theirs = [(NEED, form) for form in owed[: int(len(owed) * _early_share(len(owed)))]]
        strings = list({*queries, *offers})
        self._send_share(helper, theirs, strings, {OFFER: postings}, {OFFER: common})
        self._early = ([self.norm[form] for _role, form in theirs], set(queries), common, list(offers))

    def match_early_stored(self, need_values: Iterable[str | None], offer_values: Iterable[str | None]) -> None:
        """:meth:`match_early` from the stored analyses (see ``stored``) of a bulk load's
        distinct need and offer texts, before anything is registered: the helper starts
        sooner, and makes the stems, affixes and postings itself. Nothing starts unless every
        value fits this vocabulary; :meth:`flush` checks that the load it meets is the one
        the helper was sent (else it matches all strings here)."""
        helper = self._early_helper()
        if helper is None:
            return
        key = stored_analysis.analysis_key(self.scorer.vocabulary)
        queries: dict[str, None] = {}
        for value in dict.fromkeys(need_values):
            norm = stored_analysis.norm_of(key, value)
            if norm is None:
                return
            queries[norm] = None
        if len(queries) < (HELPER_MIN_QUERIES or 0):
            return
        offers: dict[str, None] = {}
        distinct_offers = dict.fromkeys(offer_values)  # about one form per distinct value (see prepare)
        for value in distinct_offers:
            norm = stored_analysis.norm_of(key, value)
            if norm is None:
                return
            offers[norm] = None
        owed = list(queries)
        share = int(len(owed) * _early_share(len(owed), stored=True))
        offer_list = list(offers)
        common = _common(len(distinct_offers))
        helper.send("match_norms", (self.threshold, owed, share, offer_list, common, self.one_way))
        self._early = (owed[:share], set(owed), common, offer_list)

    def _early_helper(self) -> helper_process.Helper | None:
        """The helper, when an early start may be made: into an empty table, once."""
        if self._helper is None or HELPER_MIN_QUERIES is None or self._early is not None:
            return None
        if self.holders[NEED] or self.holders[OFFER] or self._pending:
            return None  # not the first part of a load: flush decides then
        return self._helper

    def _finish_early(self, owed: list[tuple[int, int]]) -> bool:
        """Run this process's share of the queries the helper started on (``match_early``)
        and take the helper's; False when there is none (or the load is not the one it was sent)."""
        early, self._early = self._early, None
        if early is None or self._helper is None:
            return False
        theirs, sent, common, offers = early
        held = self._norm_forms[OFFER]
        taken = set(theirs)
        needs = {self.norm[form] for role, form in owed if role == NEED}
        if (
            common != self._common(OFFER)
            or len(offers) != len(held)
            or not all(map(held.__contains__, offers))
            or needs != sent
        ):
            self._close_helper()  # its answers would not be this load's
            return False
        for role, form in owed:
            if role != NEED or self.norm[form] not in taken:
                self._match(form, role)
        if not self._receive_share(self._helper):
            for role, form in owed:  # the helper failed: do its share here
                if role == NEED and self.norm[form] in taken:
                    self._match(form, role)
        return True

    def _match(self, form: int, role: int) -> None:
        """String matches of a form's normalized string (new in ``role``) against the strings
        held in the other role."""
        found = self._string_matches(form, role)
        if found:
            # A one-way table keeps matches under need strings only (all it reads).
            needs = self._norm_forms[NEED] if self.one_way else None
            helper_process.store_matches(self.str_rel, self.norm[form], found, needs)

    def _match_shared(self, owed: list[tuple[int, int]], helper: helper_process.Helper) -> bool:
        """:meth:`_match` for every (role, form) in ``owed``, with a share of the queries run by
        the helper process (fed the strings and postings it needs) while this one runs the rest.
        The results are those of matching here."""
        cut = int(len(owed) * HELPER_SHARE)
        theirs, ours = owed[:cut], owed[cut:]
        strings = list({*self._norm_forms[NEED], *self._norm_forms[OFFER]})
        roles = {1 - role for role, _form in theirs}
        self._send_share(
            helper, theirs, strings, {r: self._postings[r] for r in roles}, {r: self._common(r) for r in roles}
        )
        for role, form in ours:
            self._match(form, role)
        if not self._receive_share(helper):
            for role, form in theirs:  # the helper failed: do its share here
                self._match(form, role)
        return True

    def _send_share(
        self,
        helper: helper_process.Helper,
        theirs: list[tuple[int, int]],
        strings: list[str],
        postings: dict[int, dict[str, set[str]]],
        common: dict[int, int],
    ) -> None:
        """Send the helper the queries ``theirs`` (role, form) with what they are matched
        against: ``strings`` (numbered by position) and the other role's postings and limit."""
        number = {string: i for i, string in enumerate(strings)}
        helper.send(
            "match",
            (
                self.threshold,
                strings,
                {
                    r: {t: [number[s] for s in norms] for t, norms in by_token.items()}
                    for r, by_token in postings.items()
                },
                common,
                [(1 - role, self.norm[f], tuple(self.tokens[f]), tuple(self._affixes[f])) for role, f in theirs],
            ),
        )

    def _receive_share(self, helper: helper_process.Helper) -> bool:
        """Store the string matches the helper found (string -> {string: score}, both ways, as
        ``str_rel`` holds them); False if it failed."""
        data = helper.receive()
        try:
            found = None if data is None else marshal.loads(data)
        except (EOFError, ValueError, TypeError):
            found = None
        del data
        if not isinstance(found, dict):
            return False
        str_rel = self.str_rel
        needs = self._norm_forms[NEED] if self.one_way else None
        for string, rel in found.items():
            if needs is not None and string not in needs:
                continue  # a one-way table reads matches under need strings only
            mine = str_rel.get(string)
            if mine is not None:
                if len(mine) > len(rel):
                    mine.update(rel)
                    continue
                rel.update(mine)  # the smaller into the larger
            str_rel[string] = rel
        return True

    def _common(self, role: int) -> int:
        return _common(len(self.holders[role]))

    def _post(self, postings: dict[str, set[str]], form: int) -> None:
        """Post a form's normalized string under its stems and affixes."""
        helper_process.post(postings, self.norm[form], self.tokens[form] | self._affixes[form])

    def _string_matches(self, form: int, role: int) -> list[tuple[str, float, int]]:
        """(string, score, _) of the other role's strings at or above the threshold."""
        query = self.norm[form]
        if not query:
            return []
        return helper_process.string_matches(
            query,
            self.tokens[form],
            self._affixes[form],
            self._postings[1 - role],
            self._common(1 - role),
            self.threshold,
        )

    # -- scores --------------------------------------------------------------------------------

    def strings_allowed(self, need: int, offer: int) -> bool:
        """Whether the string score of two forms may make a reason (see ``Scorer.strings_allowed``)."""
        key = need << 32 | offer
        ok = self._strings_ok.get(key)
        if ok is None:
            if len(self._strings_ok) >= CACHE_LIMIT:
                self._strings_ok.clear()
            ok = self._strings_ok[key] = need == offer or self.scorer.strings_allowed(
                self.sig_concepts[self.sig[need]],
                self.sig_concepts[self.sig[offer]],
                self.heads[need],
                self.heads[offer],
            )
        return ok

    def text_score(self, need: int, offer: int) -> float:
        """Score of two forms: the better of string and concept score (0 below the threshold).
        Unlike a reason (``MatchIndex``), this does not ask :meth:`strings_allowed`: it is the
        text-level relation the benchmark compares with brute force."""
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

        String matches carry their exact score (odd key, from the form's content); concept entries (key
        from the concept) an estimate: the score against a text with only that concept. Entries
        whose estimate is far below the threshold (generic qualifiers) are left out.
        """
        by_concept = self.concept_holders[partner_role]
        floor = self.threshold - 10
        for concept, estimate in self._estimates[self.sig[form]]:
            held = by_concept.get(concept)
            if held and estimate >= floor:
                yield estimate, self._concept_key[concept], held
        rel = self.str_rel.get(self.norm[form])
        if rel:
            form_holders, norm_forms = self.holders[partner_role], self._norm_forms[partner_role]
            for other_norm, score in rel.items():
                for other in norm_forms.get(other_norm, ()):
                    yield score, self.form_key(other), form_holders[other]

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
                    concepts.append((-estimate, self._concept_key[concept], held))
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
                    group.append((-score, self.form_key(other), form_holders[other]))
                i += 1
            group.sort(key=_RANK)
            yield from group

    def shared_concepts(self, need: int, offer: int) -> tuple[str, ...]:
        a, b = self.sig_concepts[self.sig[need]], self.sig_concepts[self.sig[offer]]
        both = [(-min(w, b[c]), c) for c, w in a.items() if c in b]
        return tuple(c for _, c in sorted(both))

    def texts_known(self) -> int:
        """Texts (as written and folded) with a form."""
        return len(self._form_of_text)

    def stats(self) -> dict[str, int]:
        return {
            "forms": len(self.norm),
            "texts": len(self._form_of_text),
            "signatures": len(self.sig_concepts),
            "concept_scores_cached": len(self._cache),
            "string_relations": sum(len(r) for r in self.str_rel.values()) // 2,
        }
