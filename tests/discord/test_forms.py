"""Forms (Modals) through discord.py's real tree: opened by the slash command, submitted, same engine command."""
from __future__ import annotations

from bot.commands.registry import COMMANDS
from tests.discord.conftest import DiscordSim, Response


def fields(form: Response) -> dict[str, dict]:
    return {label["component"]["custom_id"]: {**label["component"], "label": label["label"],
                                              "description": label.get("description")}
            for label in form.data["components"]}


def limit(command: str, option: str) -> int:
    return next(o.max_len for o in COMMANDS[command].options if o.name == option)


async def test_request_new_without_options_opens_the_form_and_submits_it(dsim: DiscordSim) -> None:
    alice, bob = dsim.members["alice"], dsim.members["bob"]
    await dsim.command(bob, "profile set", skills="plomberie")
    calls = len(dsim.calls)
    [form] = await dsim.command(alice, "request new", urgent=True)
    assert form.type == 9 and len(dsim.calls) == calls  # a form, and nothing asked of the engine yet
    assert form.data["title"] == "Demander de l'aide"
    shown = fields(form)
    assert list(shown) == ["title", "skills", "details"]
    assert shown["title"]["label"] == "Titre" and shown["title"]["required"] is True
    assert shown["details"]["style"] == 2 and shown["details"]["required"] is False  # several lines
    assert shown["title"]["max_length"] == limit("request new", "title")
    assert shown["details"]["max_length"] == limit("request new", "details")
    details = "La fuite est sous l'évier.\nLe robinet d'arrêt est bloqué."
    out = await dsim.submit(alice, form, title="Fuite sous l'évier", skills="plomberie", details=details)
    assert len(out) == 1 and out[0].type == 4
    call = dsim.calls[-1]
    assert call.name == "request new" and call.options == {
        "title": "Fuite sous l'évier", "skills": "plomberie", "details": details, "urgent": True}
    assert call.reply.ok and call.reply.data["request_id"]


async def test_the_form_keeps_what_was_given_and_the_engine_still_judges(dsim: DiscordSim) -> None:
    alice = dsim.members["alice"]
    [form] = await dsim.command(alice, "request new", skills="plomberie", locale="en-US")
    assert form.data["title"] == "Ask the community for help"
    assert fields(form)["skills"]["value"] == "plomberie" and "value" not in fields(form)["title"]
    out = await dsim.submit(alice, form, title="@everyone", details="")
    assert dsim.calls[-1].options == {"title": "@everyone", "skills": "plomberie"}  # empty details: none
    assert len(out) == 1 and "@everyone" not in out[0].content.replace("@\u200b", "")


async def test_request_new_with_its_options_needs_no_form(dsim: DiscordSim) -> None:
    [out] = await dsim.command(dsim.members["alice"], "request new", title="Fuite", skills="plomberie")
    assert out.type == 4 and dsim.calls[-1].name == "request new"


async def test_profile_set_without_options_opens_the_bio_form(dsim: DiscordSim) -> None:
    alice = dsim.members["alice"]
    [form] = await dsim.command(alice, "profile set")
    assert form.type == 9 and form.data["title"] == "Votre présentation"
    bio = fields(form)["bio"]
    assert bio["style"] == 2 and bio["max_length"] == limit("profile set", "bio") and "value" not in bio
    text = "Électricienne 👩‍🔧 à la retraite.\nJ'aime transmettre."
    await dsim.submit(alice, form, bio=text)
    assert dsim.calls[-1].name == "profile set" and dsim.calls[-1].options == {"bio": text}
    assert dsim.calls[-1].reply.ok, dsim.calls[-1].reply.text
    [again] = await dsim.command(alice, "profile set")  # the form starts from the bio already written
    assert fields(again)["bio"]["value"] == text
    await dsim.submit(alice, again, bio="")
    assert dsim.calls[-1].reply.ok
    [emptied] = await dsim.command(alice, "profile set")
    assert "value" not in fields(emptied)["bio"]


async def test_profile_set_with_an_option_changes_it_directly(dsim: DiscordSim) -> None:
    [out] = await dsim.command(dsim.members["alice"], "profile set", available=True)
    assert out.type == 4 and dsim.calls[-1].options == {"available": True}
