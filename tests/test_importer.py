"""The member importer: parsing and validation, and bulk writes into a migrated SQLite database."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from bot.errors import UserError
from bot.services import profiles
from bot.services.importer import (
    ImportFileError,
    ImportReport,
    MemberRow,
    RowError,
    import_members,
    item_upsert,
    member_upsert,
    parse_members,
    read_members_file,
)
from bot.services.importer.parsing import _clean, _validate_item
from bot.text import clean
from models import ItemKind, Member, MemberItem
from tests.conftest import SAMPLE_MEMBERS

GUILD = 1001
OTHER_GUILD = 1002
ANOUK = 310000000000000001
BRAM = 310000000000000002
CHLOE = 310000000000000003
HEADER = "discord_id,name,sector,organisation,region,locale,offers,needs\n"


async def run_import(db, text: str, guild: int = GUILD, *, default_locale: str = "nl", **kwargs) -> ImportReport:
    return await import_members(db, guild, parse_members(text).rows, default_locale, **kwargs)


async def count(db, model) -> int:
    async with db.session() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def member(db, user_id: int, guild: int = GUILD) -> profiles.Profile:
    async with db.session() as session:
        profile = await profiles.get_profile(session, guild, user_id)
    assert profile is not None, f"no member {user_id} in {guild}"
    return profile


async def item_ids(db, user_id: int) -> dict[tuple[str, str], int]:
    async with db.session() as session:
        rows = await session.execute(
            select(MemberItem.kind, MemberItem.text, MemberItem.id).join(Member).where(Member.user_id == user_id)
        )
        return {(kind, text): item_id for kind, text, item_id in rows}


def rejected_lines(report: ImportReport) -> list[int]:
    return [line for line, _reason in report.rejected]


# --- parsing -------------------------------------------------------------------------------------


def test_rows_carry_physical_line_numbers_across_multi_line_cells():
    text = (
        HEADER
        + f'{ANOUK},Anouk,government,"Gemeente\nTilburg",Tilburg,nl,beleidsadvies,ideeën\n'
        + "\n"  # a blank line still counts
        + f"{BRAM},Bram,goverment,,,,fietsen repareren,\n"
        + f"{CHLOE},Chloé,company,,,,boekhouding,\n"
    )
    rows = list(parse_members(text).rows)
    assert [type(r) for r in rows] == [MemberRow, RowError, MemberRow]
    assert [r.line for r in rows] == [2, 5, 6]
    assert rows[0].organisation == "Gemeente Tilburg"
    error = rows[1]
    assert isinstance(error, RowError)
    assert error.reason.startswith("sector 'goverment' is not one of government (overheid), company (bedrijf),")
    assert "citizen (inwoner)" in error.reason
    assert "did you mean 'government'?" in error.reason


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        ("abc,Anouk", "discord_id 'abc' is not a Discord user id (15 to 20 digits)"),
        ("12345,Anouk", "discord_id '12345' is not a Discord user id"),
        ("3.1E+17,Anouk", "format the column as text in the spreadsheet"),
        ("99999999999999999999,Anouk", "out of range"),
        (",Anouk", "discord_id is empty"),
        (f"{ANOUK},", "name is empty"),
        (f"{ANOUK},{'n' * 101}", "name is too long (101 characters; at most 100)"),
        (f"{ANOUK},Anouk,,{'o' * 101}", "organisation is too long"),
        (f"{ANOUK},Anouk,,,{'r' * 101}", "region is too long"),
        (f"{ANOUK},Anouk,,,,,a", "offers item 'a' is too short (at least 2 characters)"),
        (f"{ANOUK},Anouk,,,,,,{'x' * 101}", "needs item 'xxx"),
        (f"{ANOUK},Anouk,,,,,{'|'.join(f'aanbod {i}' for i in range(26))}", "offers has 26 items; at most 25"),
        (
            f"{ANOUK},Anouk,,,,,,,surplus",
            "the row has 9 fields but the header has 8; put quotes around texts that contain ','",
        ),
    ],
)
def test_each_problem_is_named_by_its_column(cells, reason):
    [row] = parse_members(HEADER + cells + "\n").rows
    assert isinstance(row, RowError)
    assert row.line == 2
    assert reason in row.reason


def test_all_problems_of_a_row_are_reported_together():
    [row] = parse_members(HEADER + "x,,nope,,,fr,a,\n").rows
    assert isinstance(row, RowError)
    for column in ("discord_id", "name is empty", "sector", "offers"):
        assert column in row.reason


def test_values_are_normalised():
    text = (
        "Discord_ID ; NAME;Sector;organisation;region;Locale;offers;needs;email\n"
        f"{ANOUK}; Anouk  de Vries ;Sociale Onderneming;;Tilburg;nl-NL; Subsidie |subsidie||fietsen ;\n"
        f"{BRAM};Bram;MAATSCHAPPELIJKE ORGANISATIE;;;en_GB;;\n"
        f"{CHLOE};Chloé;knowledge institution;;;;;\n"
    )
    parsed = parse_members(text)
    assert parsed.delimiter == ";"
    assert parsed.ignored_columns == ("email",)
    anouk, bram, chloe = parsed.rows
    assert isinstance(anouk, MemberRow) and isinstance(bram, MemberRow) and isinstance(chloe, MemberRow)
    assert anouk.name == "Anouk de Vries"
    assert anouk.sector == "social_enterprise"
    assert anouk.locale == "nl"
    assert anouk.organisation is None
    # Duplicates (by the bot's comparison) merge, the first spelling wins; empty entries are skipped.
    assert anouk.offers == (("Subsidie", "subsidie"), ("fietsen", "fietsen"))
    assert anouk.needs == ()
    assert (bram.sector, bram.locale) == ("civil_society", "en")
    assert (chloe.sector, chloe.locale) == ("knowledge_institution", None)


@pytest.mark.parametrize(
    ("label", "sector"),
    [
        ("overheid", "government"),
        ("Bedrijf", "company"),
        ("sociale onderneming", "social_enterprise"),
        ("Kennisinstelling", "knowledge_institution"),
        ("maatschappelijke organisatie", "civil_society"),
        ("INWONER", "citizen"),
        ("social_enterprise", "social_enterprise"),
    ],
)
def test_dutch_and_english_sector_labels(label, sector):
    [row] = parse_members(HEADER + f"{ANOUK},Anouk,{label}\n").rows
    assert isinstance(row, MemberRow)
    assert row.sector == sector


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name,sector\nAnouk,company\n", "the header has no discord_id column"),
        ("discord_id;naam\n1;x\n", "the header has no name column"),
        ("discord_id,name,Name\n", "the header has the column name twice"),
        ("\n" + HEADER, "the first line is empty"),
    ],
)
def test_bad_header_is_a_file_error(text, message):
    with pytest.raises(ImportFileError, match=message):
        parse_members(text)


def test_read_file_errors(tmp_path):
    with pytest.raises(ImportFileError, match="cannot read .*missing.csv"):
        read_members_file(tmp_path / "missing.csv")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"\xef\xbb\xbf  \n")
    with pytest.raises(ImportFileError, match="is empty"):
        read_members_file(empty)
    latin = tmp_path / "latin.csv"
    latin.write_bytes(HEADER.encode() + f"{ANOUK},Chlo\xe9,,,,,,\n".encode("latin-1"))
    with pytest.raises(ImportFileError, match=r"is not UTF-8 text \(line 2\)"):
        read_members_file(latin)


def test_unclosed_quote_is_pointed_out():
    text = HEADER + f'{ANOUK},"Anouk,,,,,,\n{BRAM},Bram,,,,,,\n{CHLOE},Chloé,,,,,,\n'
    [row] = parse_members(text).rows
    assert row == RowError(2, "a quoted cell runs on to line 4 over other rows; is a closing quote missing?")
    # A multi-line cell that is rejected for another reason still says where it ends.
    [row] = parse_members(HEADER + f'{ANOUK},"Anouk\nde Vries",goverment\n').rows
    assert isinstance(row, RowError)
    assert row.reason.endswith("(this row runs to line 3: is a closing quote missing?)")


def test_an_oversized_cell_is_rejected_and_parsing_goes_on():
    text = HEADER + f'{ANOUK},"{"x" * 140_000}",,\n{BRAM},Bram,,,,,,\n'
    first, second = parse_members(text).rows
    assert isinstance(first, RowError) and first.line == 2
    assert first.reason.startswith("the row is not valid CSV (field larger than field limit")
    assert isinstance(second, MemberRow) and (second.line, second.name) == (3, "Bram")


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()], ids=["sqlite", "postgresql"])
def test_upserts_compile_for_both_backends(dialect):
    members_sql = str(member_upsert(dialect.name, frozenset({"discord_id", "name", "locale"})).compile(dialect=dialect))
    assert "ON CONFLICT (guild_id, user_id) DO UPDATE SET" in members_sql
    assert "name = excluded.name" in members_sql and "locale = excluded.locale" in members_sql
    assert "sector = excluded.sector" not in members_sql  # not a column of that file
    items_sql = str(item_upsert(dialect.name).compile(dialect=dialect))
    assert "ON CONFLICT (member_id, kind, folded) DO UPDATE SET text = excluded.text" in items_sql


def test_other_backends_are_refused():
    with pytest.raises(ValueError, match="SQLite and PostgreSQL, not mysql"):
        item_upsert("mysql")


@given(st.text(max_size=120))
def test_fast_paths_agree_with_the_profile_rules(text):
    assert _clean(text) == clean(text)
    try:
        expected = profiles.validate_item(text)
    except UserError as exc:
        with pytest.raises(UserError) as caught:
            _validate_item(text)
        assert caught.value.key == exc.key
    else:
        assert _validate_item(text) == expected


def test_the_importer_does_not_need_discord():
    code = "import sys, bot.services.importer; sys.exit('discord' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# --- importing -----------------------------------------------------------------------------------

MIXED = (
    HEADER
    + f"{ANOUK},Anouk de Vries,overheid,Gemeente Tilburg,Tilburg,nl,beleidsadvies|vergaderruimte,ideeën van bewoners\n"
    + f"{BRAM},Bram,goverment,,,,fietsen repareren,\n"
    + f"{CHLOE},Chloé Peeters,company,Peeters Accountancy,Waalwijk,EN,boekhouding,klanten\n"
    + "not-an-id,Daan,,,,,,\n"
    + f"{ANOUK},Anouk again,,,,,,\n"
)


async def test_good_rows_are_imported_and_bad_rows_reported(db):
    report = await run_import(db, MIXED)
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    assert rejected_lines(report) == [3, 5, 6]
    reasons = dict(report.rejected)
    assert reasons[3].startswith("sector 'goverment' is not one of")
    assert reasons[5].startswith("discord_id 'not-an-id' is not a Discord user id")
    assert reasons[6] == f"discord_id {ANOUK} is already on line 2"

    assert await count(db, Member) == 2
    anouk = await member(db, ANOUK)
    assert (anouk.name, anouk.sector, anouk.organisation, anouk.region, anouk.locale) == (
        "Anouk de Vries",
        "government",
        "Gemeente Tilburg",
        "Tilburg",
        "nl",
    )
    assert anouk.offers == ["beleidsadvies", "vergaderruimte"]
    assert anouk.needs == ["ideeën van bewoners"]
    chloe = await member(db, CHLOE)
    assert chloe.locale == "en"
    assert (chloe.offers, chloe.needs) == (["boekhouding"], ["klanten"])
    async with db.session() as session:
        items = (await session.execute(select(MemberItem))).scalars().all()
        members = (await session.execute(select(Member))).scalars().all()
    assert {i.guild_id for i in items} == {GUILD}
    assert {i.folded for i in items} >= {"ideeen van bewoners", "beleidsadvies"}
    assert all(m.created_at is not None and m.updated_at is not None for m in members)
    assert all(i.created_at.tzinfo is not None for i in items)


async def test_reimport_is_idempotent(db):
    first = await run_import(db, MIXED)
    ids = await item_ids(db, ANOUK)
    async with db.session() as session:
        stamps = dict((await session.execute(select(Member.user_id, Member.updated_at))).all())
    counts = (await count(db, Member), await count(db, MemberItem))

    again = await run_import(db, MIXED)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert again.rejected == first.rejected
    assert (await count(db, Member), await count(db, MemberItem)) == counts == (2, 5)
    assert await item_ids(db, ANOUK) == ids
    async with db.session() as session:
        assert dict((await session.execute(select(Member.user_id, Member.updated_at))).all()) == stamps


async def test_the_file_sets_fields_and_lists(db):
    await run_import(db, HEADER + f"{ANOUK},Anouk,government,Gemeente,Tilburg,nl,advies|ruimte|Subsidie,ideeën\n")
    before = await item_ids(db, ANOUK)
    async with db.session() as session:
        await profiles.set_profile(session, GUILD, ANOUK, bio="Werkt bij de gemeente")

    report = await run_import(db, HEADER + f"{ANOUK},Anouk V,,,Breda,en,ruimte|subsidie|netwerk,\n")
    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    anouk = await member(db, ANOUK)
    assert (anouk.name, anouk.sector, anouk.organisation, anouk.region, anouk.locale) == (
        "Anouk V",
        None,
        None,
        "Breda",
        "en",
    )
    assert anouk.bio == "Werkt bij de gemeente"  # not a column of the file
    assert anouk.offers == ["ruimte", "subsidie", "netwerk"]
    assert anouk.needs == []
    after = await item_ids(db, ANOUK)
    # Kept items keep their ids, also when only the spelling changed.
    assert after[("offer", "ruimte")] == before[("offer", "ruimte")]
    assert after[("offer", "subsidie")] == before[("offer", "Subsidie")]
    assert ("offer", "advies") not in after
    assert await count(db, MemberItem) == 3


async def test_missing_columns_leave_fields_alone(db):
    await run_import(db, HEADER + f"{ANOUK},Anouk,government,Gemeente,Tilburg,en,advies,ideeën\n")
    report = await run_import(db, f"discord_id,name\n{ANOUK},Anouk de Vries\n{BRAM},Bram\n")
    assert (report.created, report.updated, report.unchanged) == (1, 1, 0)
    anouk = await member(db, ANOUK)
    assert (anouk.name, anouk.sector, anouk.locale) == ("Anouk de Vries", "government", "en")
    assert (anouk.offers, anouk.needs) == (["advies"], ["ideeën"])
    bram = await member(db, BRAM)
    assert (bram.sector, bram.locale, bram.offers) == (None, "nl", [])


async def test_empty_locale_means_the_default(db):
    await run_import(db, HEADER + f"{ANOUK},Anouk,,,,,,\n{BRAM},Bram,,,,nl,,\n", default_locale="en")
    assert (await member(db, ANOUK)).locale == "en"
    assert (await member(db, BRAM)).locale == "nl"


async def test_a_bad_row_changes_nothing_for_that_member(db):
    await run_import(db, HEADER + f"{ANOUK},Anouk,government,,,nl,advies,\n")
    report = await run_import(db, HEADER + f"{ANOUK},Anouk V,company,,,nl,a|nieuw,\n")
    assert rejected_lines(report) == [2]
    assert report.imported == 0
    anouk = await member(db, ANOUK)
    assert (anouk.name, anouk.sector, anouk.offers) == ("Anouk", "government", ["advies"])


async def test_members_not_in_the_file_are_untouched(db):
    async with db.session() as session:
        await profiles.add_item(session, GUILD, BRAM, ItemKind.OFFER, "fietsen repareren", name="Bram")
    await run_import(db, HEADER + f"{ANOUK},Anouk,,,,,advies,\n")
    assert (await member(db, BRAM)).offers == ["fietsen repareren"]


async def test_semicolons_and_bom(db, tmp_path):
    path = tmp_path / "leden.csv"
    text = HEADER.replace(",", ";") + f"{ANOUK};Anouk;Overheid;Gemeente Tilburg, afdeling Sociaal;;nl;advies;\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    parsed = read_members_file(path)
    assert parsed.delimiter == ";"
    report = await import_members(db, GUILD, parsed.rows, "nl")
    assert (report.created, report.rejected) == (1, [])
    anouk = await member(db, ANOUK)
    assert (anouk.sector, anouk.organisation) == ("government", "Gemeente Tilburg, afdeling Sociaal")


async def test_servers_are_separate(db):
    text = HEADER + f"{ANOUK},Anouk,,,,,advies,\n"
    assert (await run_import(db, text, GUILD)).created == 1
    assert (await run_import(db, text, OTHER_GUILD)).created == 1
    assert await count(db, Member) == 2
    async with db.session() as session:
        guilds = (await session.execute(select(MemberItem.guild_id).order_by(MemberItem.guild_id))).scalars().all()
    assert guilds == [GUILD, OTHER_GUILD]
    await run_import(db, HEADER + f"{ANOUK},Anouk,,,,,netwerk,\n", OTHER_GUILD)
    assert (await member(db, ANOUK, GUILD)).offers == ["advies"]
    assert (await member(db, ANOUK, OTHER_GUILD)).offers == ["netwerk"]


async def test_chunks_are_written_the_same(db):
    text = HEADER + "".join(f"{ANOUK + i},Lid {i},,,,,aanbod {i}|advies,vraag {i}\n" for i in range(7))
    report = await run_import(db, text, chunk_size=2)
    assert (report.created, report.rejected) == (7, [])
    assert (await count(db, Member), await count(db, MemberItem)) == (7, 21)
    again = await run_import(db, text, chunk_size=3)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 7)
    assert await count(db, MemberItem) == 21


async def test_hand_built_duplicate_rows_are_rejected(db):
    rows = [MemberRow(line=2, user_id=ANOUK, name="Anouk"), MemberRow(line=3, user_id=ANOUK, name="Anouk 2")]
    report = await import_members(db, GUILD, rows, "nl")
    assert report.created == 1
    assert rejected_lines(report) == [3]
    assert (await member(db, ANOUK)).name == "Anouk"


async def test_the_sample_community_imports_cleanly(db):
    parsed = read_members_file(SAMPLE_MEMBERS)
    report = await import_members(db, GUILD, parsed.rows, "nl")
    assert (report.created, report.updated, report.unchanged, report.rejected) == (12, 0, 0, [])
    assert await count(db, Member) == 12
    farid = await member(db, 310000000000000006)
    assert (farid.sector, farid.organisation, farid.locale) == ("citizen", None, "en")
    assert farid.offers == ["web development", "Python programming"]
    again = await import_members(db, GUILD, read_members_file(SAMPLE_MEMBERS).rows, "nl")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 12)


async def test_imported_members_join_introductions_and_keep_their_later_choice(db):
    from datetime import UTC, datetime

    from bot.services import intros

    text = HEADER + f"{ANOUK},Anouk,government,,,nl,beleidsadvies,ideeën\n"
    await run_import(db, text)
    async with db.session() as session:
        joined = await session.scalar(select(Member.intro_joined).where(Member.user_id == ANOUK))
        assert joined is True
        await intros.leave(session, GUILD, ANOUK)
    await run_import(db, text.replace("beleidsadvies", "beleidsadvies sociaal domein"))
    async with db.session() as session:
        status = await intros.overview(session, GUILD, ANOUK, now=datetime.now(UTC))
    assert status.joined is False
    assert (await member(db, ANOUK)).offers == ["beleidsadvies sociaal domein"]


async def test_an_unsupported_language_falls_back_to_the_default_with_a_warning(db):
    report = await run_import(db, HEADER + f"{ANOUK},Anouk,,,,de,,\n{BRAM},Bram,,,,en,,\n", default_locale="nl")
    assert report.rejected == [] and report.created == 2
    assert report.warnings == [(2, "locale 'de' is not nl or en; the default language is used")]
    async with db.session() as session:
        locales = {user: locale for user, locale in await session.execute(select(Member.user_id, Member.locale))}
    assert locales == {ANOUK: "nl", BRAM: "en"}
