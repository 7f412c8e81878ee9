"""The helper process of a bulk build, and the string matching it shares with this process.

A bulk build owes one string query per distinct need string and one analysis per new text. With
two usable cores a helper (a fresh interpreter fed by pipe: nothing is shared or forked) takes a
share of either while this process does the rest (see ``FormTable.prepare`` and ``flush``). Any
failure of the helper makes :meth:`Helper.receive` return None: the caller then does the work.
"""

from __future__ import annotations

import contextlib
import dataclasses
import marshal
import os
import subprocess
import sys
import threading
from collections.abc import Container, Iterable, Sequence
from typing import IO, Any

from rapidfuzz import process

from bot.services.matching.analysis import Analyzer
from bot.services.matching.scoring import STRING_SCORER
from bot.services.matching.vocabulary import ConceptGroup, Vocabulary, load_vocabulary

AFFIX = 4  # the length of the word beginnings and endings that find compounds and variants


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def string_matches(
    query: str,
    tokens: Iterable[str],
    affixes: Iterable[str],
    postings: dict[str, set[str]],
    common: int,
    threshold: float,
) -> list[tuple[str, float, int]]:
    """(string, score, _) of the strings in ``postings`` that score at or above ``threshold``
    against ``query`` (normalized, with its stems ``tokens`` and their ``affixes``)."""
    stems = [t for t in tokens if t in postings]
    rare = [t for t in stems if len(postings[t]) <= common]
    # Common stems are skipped unless the rest of the text is short: only then can a text
    # sharing nothing but common stems still reach the threshold.
    if sum(map(len, rare)) > sum(len(t) for t in tokens if t not in rare):
        stems = rare
    # Shared word beginnings and endings find compounds and variants ("ruimte" in
    # "woonruimte", "burn-out" and "burnout") that share no whole stem.
    used = {k for k in affixes if k in postings and len(postings[k]) <= common}
    if used:
        # Every string with a stem also has the stem's beginning and ending: a stem whose
        # affix is used adds nothing to the candidates.
        stems = [t for t in stems if len(t) <= AFFIX or ("<" + t[:AFFIX] not in used and t[-AFFIX:] + ">" not in used)]
    lists = [postings[t] for t in stems]
    lists += [postings[k] for k in used]
    if not lists:
        return []
    return process.extract(
        query, set().union(*lists), scorer=STRING_SCORER, processor=None, score_cutoff=threshold, limit=None
    )


def _read_frame(stream: IO[bytes]) -> bytes | None:
    head = stream.read(8)
    if len(head) < 8:
        return None
    size = int.from_bytes(head, "little")
    data = stream.read(size)
    return data if len(data) == size else None


def _write_frame(stream: IO[bytes], data: bytes) -> None:
    stream.write(len(data).to_bytes(8, "little"))
    stream.write(data)
    stream.flush()


def affixes_of(tokens: Iterable[str]) -> frozenset[str]:
    """The word beginnings and endings (``AFFIX`` long) a string is posted under besides its stems."""
    return frozenset(k for t in tokens if len(t) > AFFIX for k in ("<" + t[:AFFIX], t[-AFFIX:] + ">"))


def post(postings: dict[str, set[str]], string: str, keys: Iterable[str]) -> None:
    """Post a normalized string under ``keys`` (its stems and affixes), as string matching finds it."""
    for key in keys:
        posted = postings.get(key)
        if posted is None:
            posted = postings[key] = set()
        posted.add(string)


def _helper_match(payload: tuple[Any, ...]) -> bytes:
    """String matches of the queries in ``payload`` (see :meth:`FormTable._match_shared`)."""
    threshold, strings, postings_by_role, commons, queries = payload
    postings = {
        role: {token: {strings[i] for i in numbers} for token, numbers in by_token.items()}
        for role, by_token in postings_by_role.items()
    }
    return _matches(
        [(postings[role], commons[role], query, tokens, affixes) for role, query, tokens, affixes in queries], threshold
    )


def _helper_match_norms(payload: tuple[Any, ...]) -> bytes:
    """String matches of need strings against offer strings, both sent as normalized strings
    only (see :meth:`FormTable.match_early_stored`): stems, affixes and postings are made
    here, as the table makes them. The first ``share`` of the ``needs`` are matched; with
    ``one_way``, matches are kept under need strings only (all the table reads then)."""
    threshold, needs, share, offers, common, one_way = payload
    postings: dict[str, set[str]] = {}
    for offer in offers:
        tokens = frozenset(offer.split())
        post(postings, offer, tokens | affixes_of(tokens))
    asked = []
    for query in needs[:share]:
        tokens = frozenset(query.split())
        asked.append((postings, common, query, tokens, affixes_of(tokens)))
    return _matches(asked, threshold, set(needs) if one_way else None)


def _matches(
    queries: Sequence[tuple[dict[str, set[str]], int, str, Iterable[str], Iterable[str]]],
    threshold: float,
    keys: set[str] | None = None,
) -> bytes:
    """The matches of each (postings, common, query, stems, affixes) in ``queries``, both ways:
    string -> {string: score}, as the parent stores them (``FormTable.str_rel``), marshalled:
    loading it is much cheaper for the parent than building it. With ``keys``, only matches
    stored under those strings are kept."""
    rel: dict[str, dict[str, float]] = {}
    for postings, common, query, tokens, affixes in queries:
        found = string_matches(query, tokens, affixes, postings, common, threshold)
        if found:
            store_matches(rel, query, found, keys)
    return marshal.dumps(rel)


def store_matches(
    rel: dict[str, dict[str, float]], query: str, found: list[tuple[str, float, int]], keys: Container[str] | None
) -> None:
    """Store the matches ``found`` for ``query`` (see :func:`string_matches`) in ``rel`` both
    ways: under the query, and under each string found when ``keys`` is None or holds it."""
    get = rel.get
    mine = get(query)
    if mine is None:
        mine = rel[query] = {}
    for other, score, _i in found:
        mine[other] = score
        if keys is None or other in keys:
            theirs = get(other)
            if theirs is None:
                theirs = rel[other] = {}
            theirs[query] = score


_GROUP_FIELDS = tuple(f.name for f in dataclasses.fields(ConceptGroup))


def vocabulary_payload(vocabulary: Vocabulary) -> tuple[list[tuple[Any, ...]], list[str]]:
    """A vocabulary as marshal can send it: every field of every group (roles, objects,
    families ... change the analysis), in field order, and the known words."""
    groups = [tuple(getattr(g, name) for name in _GROUP_FIELDS) for g in vocabulary.groups]
    return groups, sorted(vocabulary.words)


def _helper_analyse(payload: tuple[Any, ...], ready: tuple[Any, Analyzer] | None) -> bytes:
    """Features (normalized string, concepts, sorted head stems) of the texts in ``payload``, analysed with the
    vocabulary sent along (see :meth:`FormTable.prepare`); ``ready`` is an analyser of the
    bundled vocabulary made while waiting, used when that is the one sent."""
    groups, words, texts = payload
    if ready is not None and ready[0] == (groups, words):
        analyzer = ready[1]
    else:
        vocabulary = Vocabulary(tuple(ConceptGroup(*g) for g in groups), frozenset(words))
        analyzer = Analyzer(vocabulary)
    return marshal.dumps([(f.norm, f.concepts, sorted(f.head)) for f in map(analyzer.analyze, texts)])


def helper_main(analyse: bool = False) -> None:
    """The helper process of :class:`Helper`: framed requests in (marshal, stdin), framed
    answers out (stdout), until stdin closes. One started to ``analyse`` prepares an analyser of
    the bundled vocabulary while the first request is on its way."""
    ready = None
    if analyse:
        vocabulary = load_vocabulary()
        # Through marshal, as a request's payload arrives (lists stay lists, tuples tuples).
        ready = (marshal.loads(marshal.dumps(vocabulary_payload(vocabulary))), Analyzer(vocabulary))
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    while True:
        data = _read_frame(source)
        if data is None:
            return
        kind, payload = marshal.loads(data)
        del data
        if kind == "match":
            answer = _helper_match(payload)
        elif kind == "match_norms":
            answer = _helper_match_norms(payload)
        else:
            answer = _helper_analyse(payload, ready)
        _write_frame(sink, answer)


class Helper:
    """A helper process (a fresh interpreter: nothing is shared or forked) that takes a share of
    a bulk build's work. Requests are written by a thread, so this process goes on with its own
    share at once. Any failure makes :meth:`receive` return None: the caller then does the work."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        self._writer: threading.Thread | None = None

    @classmethod
    def start(cls, analyse: bool = False) -> Helper | None:
        path = [os.getcwd() if p == "" else p for p in sys.path]
        code = (
            f"import sys; sys.path[:0] = {path!r}; from bot.services.matching.helper_process import helper_main; "
            f"helper_main({analyse!r})"
        )
        try:
            proc = subprocess.Popen(
                [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
            )
        except OSError:
            return None
        return cls(proc)

    def send(self, kind: str, payload: Any) -> None:
        data = marshal.dumps((kind, payload))
        stdin = self.process.stdin
        assert stdin is not None

        def write() -> None:
            with contextlib.suppress(OSError, ValueError):  # the helper died: receive() says so
                _write_frame(stdin, data)

        self._writer = threading.Thread(target=write, daemon=True)
        self._writer.start()

    def receive(self) -> bytes | None:
        if self._writer is not None:
            self._writer.join()
            self._writer = None
        assert self.process.stdout is not None
        try:
            return _read_frame(self.process.stdout)
        except OSError:
            return None

    def close(self) -> None:
        proc = self.process
        try:
            if proc.stdin is not None:
                proc.stdin.close()
        except OSError:
            pass
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
