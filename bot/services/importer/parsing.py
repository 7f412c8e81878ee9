"""Reading and validating a member file: pure, lazy, no database."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rapidfuzz import process

from bot.errors import UserError
from bot.services.profiles import (
    FIELD_MAX,
    ITEM_MAX,
    ITEM_MIN,
    ITEMS_PER_KIND,
    validate_item,
    validate_sector,
)
from bot.text import clean, fold
from models import Sector

if TYPE_CHECKING:
    pass

COLUMNS = ("discord_id", "name", "sector", "organisation", "region", "locale", "offers", "needs")
REQUIRED_COLUMNS = ("discord_id", "name")
PROFILE_FIELDS = ("name", "sector", "organisation", "region", "locale")
LIST_SEPARATOR = "|"
LOCALES = ("nl", "en")
CHUNK_SIZE = 2000
# Well below SQLite's 32,766 bound parameters per statement.
DELETE_BATCH = 5000
BIGINT_MAX = 2**63 - 1
# SQLite's default 2 MB page cache thrashes on the item indexes of a large import.
SQLITE_CACHE_KIB = 64 * 1024

# Dutch operators may use the labels the bot shows in Dutch.
DUTCH_SECTOR_LABELS = {
    "overheid": Sector.GOVERNMENT,
    "bedrijf": Sector.COMPANY,
    "sociale onderneming": Sector.SOCIAL_ENTERPRISE,
    "kennisinstelling": Sector.KNOWLEDGE_INSTITUTION,
    "maatschappelijke organisatie": Sector.CIVIL_SOCIETY,
    "inwoner": Sector.CITIZEN,
}

_SNOWFLAKE = re.compile(r"[0-9]{15,20}")
# What a spreadsheet makes of a long number it was not told is text: 3.1E+17.
_SCIENTIFIC = re.compile(r"[0-9]+([.,][0-9]+)?[eE]\+?[0-9]+")
_SEPARATORS = re.compile(r"[\s_\-]+")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

Item = tuple[str, str]  # (text as stored, folded comparison key)


class ImportFileError(Exception):
    """The file as a whole cannot be imported (unreadable, empty, bad header); nothing was written."""


@dataclass(frozen=True, slots=True)
class MemberRow:
    """A valid row. ``columns`` are the file's columns: fields of other columns are left alone."""

    line: int
    user_id: int
    name: str
    sector: str | None = None
    organisation: str | None = None
    region: str | None = None
    locale: str | None = None  # None: the default locale
    offers: tuple[Item, ...] = ()
    needs: tuple[Item, ...] = ()
    columns: frozenset[str] = frozenset(COLUMNS)
    # Imported anyway, with a default in place of what the warning names.
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    reason: str


ParsedRow = MemberRow | RowError


@dataclass(slots=True)
class MembersFile:
    columns: frozenset[str]
    ignored_columns: tuple[str, ...]
    delimiter: str
    rows: Iterator[ParsedRow]


@dataclass(slots=True)
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged


# --- parsing and validation (pure) ---------------------------------------------------


class _Problem(Exception):
    pass


def _clean(text: str) -> str:
    """Same as :func:`bot.text.clean`, without its per-character loop for printable text.

    Printable text has no control, format or separator characters and no whitespace but
    the plain space, so cleaning it only collapses spaces. This is most of a large import.
    """
    return " ".join(text.split()) if text.isprintable() else clean(text)


# Communities share their words ("subsidie", "vrijwilligers"): each distinct text is
# validated once. Only valid texts are cached; bad ones raise again.
@lru_cache(maxsize=100_000)
def _validate_item(text: str) -> Item:
    """Same as :func:`validate_item` (the tests check they agree), faster for printable text."""
    if text.isprintable():
        cleaned = " ".join(text.split())
        if ITEM_MIN <= len(cleaned) <= ITEM_MAX:
            # fold() of clean ASCII text is its casefold: NFKD leaves it alone, no accents to strip.
            return cleaned, cleaned.casefold() if cleaned.isascii() else fold(cleaned)
    return validate_item(text)


def _quote(value: str, limit: int = 40) -> str:
    value = clean(value)
    return "'" + (value if len(value) <= limit else value[: limit - 1] + "…") + "'"


def _column_key(name: str) -> str:
    return _SEPARATORS.sub("_", clean(name).lower()).strip("_")


@lru_cache(maxsize=1024)
def _sector_key(value: str) -> str:
    return _SEPARATORS.sub(" ", fold(value)).strip()


_SECTORS: dict[str, str] = {_sector_key(s.value): s.value for s in Sector} | {
    _sector_key(label): s.value for label, s in DUTCH_SECTOR_LABELS.items()
}


def parse_discord_id(raw: str) -> int:
    value = raw.strip()
    if not value:
        raise _Problem("discord_id is empty")
    if not _SNOWFLAKE.fullmatch(value):
        hint = "; format the column as text in the spreadsheet" if _SCIENTIFIC.fullmatch(value) else ""
        raise _Problem(f"discord_id {_quote(value)} is not a Discord user id (15 to 20 digits){hint}")
    user_id = int(value)
    if not 0 < user_id <= BIGINT_MAX:
        raise _Problem(f"discord_id {value} is out of range for a Discord user id")
    return user_id


def parse_name(raw: str) -> str:
    name = _clean(raw)
    if not name:
        raise _Problem("name is empty")
    if len(name) > FIELD_MAX:
        raise _Problem(f"name is too long ({len(name)} characters; at most {FIELD_MAX})")
    return name


def parse_sector(raw: str) -> str | None:
    if not clean(raw):
        return None
    value = _SECTORS.get(_sector_key(raw))
    if value is None:
        dutch = {sector: label for label, sector in DUTCH_SECTOR_LABELS.items()}
        choices = ", ".join(f"{s.value} ({dutch[s]})" for s in Sector)
        guess = process.extractOne(_sector_key(raw), list(_SECTORS), score_cutoff=80)
        hint = f" (did you mean '{_SECTORS[guess[0]]}'?)" if guess else ""
        raise _Problem(f"sector {_quote(raw)} is not one of {choices}{hint}")
    try:
        return validate_sector(value)
    except UserError:  # pragma: no cover - _SECTORS holds only Sector values
        raise _Problem(f"sector {_quote(raw)} is not valid") from None


def _limited(column: str) -> Callable[[str], str | None]:
    def parse(raw: str) -> str | None:
        value = _clean(raw)
        if len(value) > FIELD_MAX:
            raise _Problem(f"{column} is too long ({len(value)} characters; at most {FIELD_MAX})")
        return value or None

    return parse


class _Fallback(Exception):
    """A value the row can do without: the row is imported with the default and a warning."""


def parse_locale(raw: str) -> str | None:
    value = clean(raw).lower()
    if not value:
        return None
    code = re.split(r"[-_]", value, maxsplit=1)[0]
    if code not in LOCALES:
        raise _Fallback(f"locale {_quote(raw)} is not nl or en; the default language is used")
    return code


def parse_items(raw: str, column: str, problems: list[str]) -> tuple[Item, ...]:
    """Valid, de-duplicated items of one cell; each bad item adds a problem."""
    items: dict[str, str] = {}
    for piece in raw.split(LIST_SEPARATOR):
        try:
            text, folded = _validate_item(piece)
        except UserError as exc:
            if exc.key == "item.empty":
                continue  # "a||b" and a trailing "|" are spreadsheet noise, not mistakes
            if exc.key == "item.too_short":
                problems.append(f"{column} item {_quote(piece)} is too short (at least {ITEM_MIN} characters)")
            else:
                length = len(clean(piece))
                problems.append(f"{column} item {_quote(piece)} is too long ({length} characters; at most {ITEM_MAX})")
            continue
        items.setdefault(folded, text)
    if len(items) > ITEMS_PER_KIND:
        problems.append(f"{column} has {len(items)} items; at most {ITEMS_PER_KIND} are allowed")
    return tuple((text, folded) for folded, text in items.items())


_FIELD_PARSERS: dict[str, Callable[[str], Any]] = {
    "name": parse_name,
    "sector": parse_sector,
    "organisation": _limited("organisation"),
    "region": _limited("region"),
    "locale": parse_locale,
}


def parse_members(text: str) -> MembersFile:
    """Read the header now (raising :class:`ImportFileError`), the rows lazily.

    Rows carry the 1-based physical line they start on (the header is line 1), so a
    quoted cell spanning lines does not shift the numbers of the rows after it.
    """
    text = text.removeprefix("\ufeff")
    first_line = _LINE_BREAK.split(text, maxsplit=1)[0]
    if not first_line.strip():
        raise ImportFileError(f"the first line is empty; expected the header {','.join(COLUMNS)}")
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    # newline="": the csv module handles line endings itself and counts physical lines.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise ImportFileError(f"the header is not valid CSV: {exc}") from None
    index: dict[str, int] = {}
    ignored: list[str] = []
    for position, name in enumerate(header):
        key = _column_key(name)
        if not key:
            continue
        if key not in COLUMNS:
            ignored.append(clean(name))
        elif key in index:
            raise ImportFileError(f"the header has the column {key} twice")
        else:
            index[key] = position
    missing = [c for c in REQUIRED_COLUMNS if c not in index]
    if missing:
        raise ImportFileError(
            f"the header has no {' or '.join(missing)} column; expected {delimiter.join(COLUMNS)}"
            f" (found {delimiter.join(clean(h) for h in header)!r})"
        )
    return MembersFile(
        columns=frozenset(index),
        ignored_columns=tuple(ignored),
        delimiter=delimiter,
        rows=_rows(reader, index, len(header), delimiter),
    )


def read_members_file(path: str | Path) -> MembersFile:
    """Read and decode the whole file up front, so a bad file fails before anything is written."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ImportFileError(
            f"{path} is not UTF-8 text (line {line}); save it as 'CSV UTF-8' in the spreadsheet"
        ) from None
    if not text.strip():
        raise ImportFileError(f"{path} is empty; expected the header {','.join(COLUMNS)}")
    try:
        return parse_members(text)
    except ImportFileError as exc:
        raise ImportFileError(f"{path}: {exc}") from None


def _rows(reader: Any, index: dict[str, int], width: int, delimiter: str) -> Iterator[ParsedRow]:
    columns = frozenset(index)
    first_seen: dict[int, int] = {}
    end = reader.line_num
    while True:
        start = end + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            end = reader.line_num
            yield RowError(start, f"the row is not valid CSV ({exc}); is a closing quote missing?")
            continue
        end = reader.line_num
        if not any(c.strip() for c in cells):
            continue  # blank lines and rows of empty cells, as spreadsheets append
        if end > start and _swallows_rows(cells, delimiter):
            yield RowError(start, f"a quoted cell runs on to line {end} over other rows; is a closing quote missing?")
            continue
        row = _validate(cells, start, index, width, delimiter, columns, first_seen)
        if isinstance(row, RowError) and end > start:
            row = RowError(row.line, f"{row.reason} (this row runs to line {end}: is a closing quote missing?)")
        yield row


def _swallows_rows(cells: Sequence[str], delimiter: str) -> bool:
    """True when a cell's later lines hold the delimiter: most likely rows after an unclosed quote."""
    return any(delimiter in _LINE_BREAK.split(cell, maxsplit=1)[-1] for cell in cells if _LINE_BREAK.search(cell))


def _validate(
    cells: Sequence[str],
    line: int,
    index: dict[str, int],
    width: int,
    delimiter: str,
    columns: frozenset[str],
    first_seen: dict[int, int],
) -> ParsedRow:
    def cell(column: str) -> str:
        position = index.get(column)
        return cells[position] if position is not None and position < len(cells) else ""

    problems: list[str] = []
    if len(cells) > width and any(c.strip() for c in cells[width:]):
        problems.append(
            f"the row has {len(cells)} fields but the header has {width};"
            f" put quotes around texts that contain '{delimiter}'"
        )

    user_id: int | None = None
    try:
        user_id = parse_discord_id(cell("discord_id"))
    except _Problem as exc:
        problems.append(str(exc))
    if user_id is not None:
        # Recorded even when the rest of the row is bad: a later row for the same id is a mistake too.
        first = first_seen.setdefault(user_id, line)
        if first != line:
            problems.append(f"discord_id {user_id} is already on line {first}")

    values: dict[str, Any] = {}
    warnings: list[str] = []
    for column, parse in _FIELD_PARSERS.items():
        if column in columns:
            try:
                values[column] = parse(cell(column))
            except _Problem as exc:
                problems.append(str(exc))
            except _Fallback as exc:
                values[column] = None
                warnings.append(str(exc))
    for column in ("offers", "needs"):
        if column in columns:
            values[column] = parse_items(cell(column), column, problems)

    if problems:
        return RowError(line, "; ".join(problems))
    assert user_id is not None
    return MemberRow(line=line, user_id=user_id, columns=columns, warnings=tuple(warnings), **values)
