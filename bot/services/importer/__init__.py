"""Importing members from a CSV file (``verbinder import-members FILE --guild GUILD_ID``).

Format: a header line ``discord_id,name,sector,organisation,region,locale,offers,needs``
(columns in any order, case and surrounding spaces ignored; ``discord_id`` and ``name``
are required, unknown columns are ignored), then one member per row. The items in
``offers`` and ``needs`` are separated by ``|``. The file is UTF-8 with or without a
byte-order mark; the delimiter is ``,`` or ``;`` (Dutch spreadsheets), whichever the
header line uses more. ``sector`` takes the stored values (``social_enterprise``) or the
Dutch labels (``Sociale onderneming``); ``locale`` takes ``nl``/``en`` or a regional
variant such as ``nl-NL``.

Semantics: the file is the operator's source of truth for the members it lists.

* A listed member's name, sector, organisation, region and locale are *set* to what the
  file says; an empty cell clears the field, an empty locale means ``DEFAULT_LOCALE``.
* Their offers and needs are *set* as well: items not in the file are removed, new ones
  added, unchanged ones kept with their ids. Items are compared as the bot compares
  them (case, accents and spacing ignored); a changed spelling updates the text in
  place. Duplicates within a cell are merged and empty list entries skipped.
* A column the file does not have is left as it is, so a file of only
  ``discord_id,name`` never wipes anyone's offers. The bio is never touched.
* Members not in the file are untouched; nothing but listed members' items is deleted.
* New members count as joined to introductions: the file is the operator's consent
  record. Existing members keep their own choice (left, paused) on a re-import.
* A row with any problem is rejected as a whole and changes nothing for that member;
  the other rows are imported. A ``discord_id`` seen before in the same file is rejected.
* Importing the same file again changes nothing and reports those members as unchanged.
* Rows are written in chunks, each in its own transaction, so a running bot is not locked
  out of SQLite for the whole import; an interrupted import can simply be run again.

Parsing (:func:`parse_members`, :func:`read_members_file`) is pure and lazy; writing
(:func:`import_members`) uses bulk Core statements: a handful of queries per chunk.
"""

from bot.services.importer.parsing import (
    BIGINT_MAX,
    COLUMNS,
    ImportFileError,
    ImportReport,
    MemberRow,
    MembersFile,
    RowError,
    parse_members,
    read_members_file,
)
from bot.services.importer.writing import import_members, item_upsert, member_upsert

__all__ = [
    "BIGINT_MAX",
    "COLUMNS",
    "ImportFileError",
    "ImportReport",
    "MemberRow",
    "MembersFile",
    "RowError",
    "import_members",
    "item_upsert",
    "member_upsert",
    "parse_members",
    "read_members_file",
]
