"""A text's analysis as stored with the item, so that a round need not analyse it again.

An analysis (normalized stems, concept weights, head stems; see ``Analyzer.analyze``) depends
only on the folded text, the server's vocabulary and the analyser's code. It is stored as
``<key>:<fields>`` (see ``encode``), where the key fingerprints the vocabulary and the code:
after a synonym change or an upgrade the stored value no longer fits and the text is analysed
again.
"""

from __future__ import annotations

import hashlib
import json
import marshal
from collections.abc import Sequence
from pathlib import Path

from bot.services.matching import helper_process
from bot.services.matching.analysis import Features
from bot.services.matching.scoring import Scorer
from bot.services.matching.vocabulary import DEFAULT_PATH, Vocabulary

# (normalized string, concept weights, head stems): what a form is registered from.
Analysed = tuple[str, tuple[tuple[str, float], ...], frozenset[str]]

# The key: 8 hex characters for the analysing code and the bundled vocabulary, 8 for the
# server's synonyms (see analysis_key).
KEY_CHARS = 16
CODE_CHARS = 8
# A bulk analysis of at least this many texts has a helper process analyse a share of them.
HELPER_MIN_TEXTS: int | None = 8_000
HELPER_SHARE_TEXTS = 0.5

_keys: dict[int, tuple[Vocabulary, str]] = {}  # id -> (vocabulary, its key); a few recent ones
_HERE = Path(__file__).parent
_CODE = b"".join((_HERE / name).read_bytes() for name in ("analysis.py", "vocabulary.py", "stored.py"))
_CODE += DEFAULT_PATH.read_bytes()
CODE_KEY = hashlib.blake2b(_CODE, digest_size=CODE_CHARS // 2).hexdigest()


def analysis_key(vocabulary: Vocabulary) -> str:
    """The fingerprint of the analysing code and ``vocabulary`` that a stored analysis must carry."""
    known = _keys.get(id(vocabulary))
    if known is not None and known[0] is vocabulary:
        return known[1]
    payload = json.dumps(_canonical(helper_process.vocabulary_payload(vocabulary))).encode()
    key = CODE_KEY + hashlib.blake2b(payload, digest_size=CODE_CHARS // 2).hexdigest()
    if len(_keys) >= 32:
        _keys.clear()
    _keys[id(vocabulary)] = (vocabulary, key)
    return key


def _canonical(value: object) -> object:
    """``value`` with sets sorted (their order differs from process to process)."""
    if isinstance(value, (set, frozenset)):
        return sorted(map(_canonical, value), key=repr)
    if isinstance(value, (tuple, list)):
        return [_canonical(v) for v in value]
    if isinstance(value, dict):
        return sorted(([_canonical(k), _canonical(v)] for k, v in value.items()), key=repr)
    return value


# The value after the key: normalized string, concepts, head, separated by control characters
# that stems and concept ids never contain (a round decodes a value per distinct form: split()
# is about twice as fast as JSON there). ``!`` instead of ``:`` marks an analysis that cannot be
# written so (none can: it would be analysed by every round, not every minute).
_FIELD, _ITEM = "\x1f", "\x1e"


def encode(key: str, analysed: Analysed) -> str:
    norm, concepts, head = analysed
    words = [norm, *(c for c, _w in concepts), *head]
    if any(_FIELD in w or _ITEM in w for w in words) or "" in head:
        return key + "!"
    flat = _ITEM.join(f"{c}{_ITEM}{w!r}" for c, w in concepts)
    return key + ":" + _FIELD.join((norm, flat, _ITEM.join(sorted(head))))


def _fits(key: str, value: str) -> bool:
    return value.startswith(key) and value[KEY_CHARS : KEY_CHARS + 1] == ":"


def norm_of(key: str, value: str | None) -> str | None:
    """The normalized string of the analysis in ``value`` when it was made under ``key``, else
    None: its first field, read without decoding the rest (a round's early string matching)."""
    if not value or not _fits(key, value):
        return None
    end = value.find(_FIELD, KEY_CHARS + 1)
    return None if end < 0 else value[KEY_CHARS + 1 : end]


def decode(key: str, value: str | None) -> Analysed | None:
    """The analysis in ``value`` when it was made under ``key``, else None."""
    if not value or not _fits(key, value):
        return None
    try:
        norm, flat, head = value[KEY_CHARS + 1 :].split(_FIELD)
        parts = flat.split(_ITEM) if flat else []
        if len(parts) % 2:
            return None
        concepts = tuple(zip(parts[::2], map(float, parts[1::2]), strict=True))
        return norm, concepts, frozenset(head.split(_ITEM)) if head else frozenset()
    except ValueError:
        return None


def analyse_many(
    scorer: Scorer, texts: Sequence[str], helper: helper_process.Helper | None = None
) -> tuple[list[Analysed], bool]:
    """The analyses of ``texts``, in order; from ``HELPER_MIN_TEXTS`` on a ``helper`` analyses
    a share while this process does the rest. Also says whether the helper was used (it then
    holds an analyser and is best replaced before other work)."""
    analyze = scorer.analyzer.analyze
    if helper is None or HELPER_MIN_TEXTS is None or len(texts) < HELPER_MIN_TEXTS:
        return [_plain(analyze(t)) for t in texts], False
    cut = int(len(texts) * (1 - HELPER_SHARE_TEXTS))
    helper.send("analyse", (*helper_process.vocabulary_payload(scorer.vocabulary), list(texts[cut:])))
    ours = [_plain(analyze(t)) for t in texts[:cut]]
    data = helper.receive()
    theirs = None
    if data is not None:
        try:
            theirs = marshal.loads(data)
        except (EOFError, ValueError, TypeError):
            theirs = None
    if not isinstance(theirs, list) or len(theirs) != len(texts) - cut:
        return ours + [_plain(analyze(t)) for t in texts[cut:]], True  # the helper failed
    return ours + [(norm, tuple(concepts), frozenset(head)) for norm, concepts, head in theirs], True


def _plain(features: Features) -> Analysed:
    return features.norm, features.concepts, features.head
