"""Small fixes of /challenge (issue 14 item 9), through SimCord: the form title is cut at a word,
and /challenge list with a filter says what exists when nothing fits."""

from __future__ import annotations

import discord

from tests.sim import synced_guild, take_user_errors

TITLE = "Samen tegen eenzaamheid in de wijk Reeshof en omstreken"


async def test_the_form_title_is_cut_at_a_word_with_an_ellipsis(simcord_env):
    env = simcord_env
    guild = await synced_guild(env)
    general = guild.create_text_channel("algemeen")
    officer = guild.add_member(
        env.create_user("officer"),
        roles=[guild.create_role("Innovatie", permissions=discord.Permissions(manage_guild=True))],
    )
    await officer.slash(general, "challenge setup", channel=guild.create_forum_channel("uitdagingen"))
    shown = await officer.slash(general, "challenge post", title=TITLE, skills="communicatie")
    title = shown.modal["title"]
    assert len(title) <= 45 and title.endswith("…")
    shown_words = title[: -len("…")].removeprefix("Challenge: ")
    assert TITLE.startswith(shown_words) and TITLE[len(shown_words)] == " "  # a whole word, not part of one


async def test_a_filtered_list_says_what_exists_and_an_empty_server_names_the_command(simcord_env):
    env = simcord_env
    guild = await synced_guild(env)
    general = guild.create_text_channel("algemeen")
    officer = guild.add_member(
        env.create_user("officer"),
        roles=[guild.create_role("Innovatie", permissions=discord.Permissions(manage_guild=True))],
    )
    anouk = guild.add_member(env.create_user("anouk"))
    empty = await anouk.slash(general, "challenge list", skill="communicatie")
    post = env.backend.find_command("challenge", guild.id)["id"]
    assert empty.response.content == (
        f"There are no open challenges yet. Moderators post them with </challenge post:{post}>."
    )
    await officer.slash(general, "challenge setup", channel=guild.create_forum_channel("uitdagingen"))
    shown = await officer.slash(general, "challenge post", title="Schone Piushaven", skills="communicatie")
    await officer.submit_modal(shown, {"description": "Zwerfafval in de Piushaven aanpakken met de buurt."})
    found = await anouk.slash(general, "challenge list", skill="Communicatie")
    assert [f.name for f in found.response.embeds[0].fields] == ["#1 Schone Piushaven"]
    other = await anouk.slash(general, "challenge list", skill="kernfysica")
    assert other.response.content == (
        "No challenge fits “kernfysica”, but 1 challenge is open: leave out status and skill to see it."
    )
    done = await anouk.slash(general, "challenge list", status="done")
    assert done.response.content.startswith("No challenge fits “Done”, but 1 challenge is open")
    assert take_user_errors(env) == []
