"""A network of communities in one process (issue 22): config, runtime, console `community`, jobs per place."""
from __future__ import annotations

import copy
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.config import Config, ConfigError, parse_config
from bot.network_config import community_configs, is_network
from storage import jobs as jobs_repo
from tests.harness import Sim, of
from tests.network_config import LILAS_GUILD, OURS_GUILD, QUAI_GROUP, network_toml

NETWORK: dict[str, Any] = {
    "community": {"name": "Entraide", "timezone": "Europe/Paris"},
    "channels": {"general": "agora"},
    "network": {"name": "Réseau des tiers-lieux", "animators": ["network-animator", "u-anna"]},
    "communities": [
        {"id": "lilas", "name": "Les Lilas", "guild_id": LILAS_GUILD},
        {"id": "ours", "name": "La Tanière", "guild_id": OURS_GUILD, "locale": "en",
         "channels": {"welcome": "hello"}},
        {"id": "quai", "name": "Le Quai", "group": QUAI_GROUP, "timezone": "America/Montreal"},
    ],
}


def network_config(**changes: Any) -> Config:
    data = copy.deepcopy(NETWORK)
    data.update(changes)
    return parse_config(data)


def refused(data: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as err:
        parse_config(data)
    return str(err.value)


# Configuration ---------------------------------------------------------------------------------


def test_each_community_inherits_what_it_does_not_set() -> None:
    config = network_config()
    assert is_network(config)
    (lilas, lc), (ours, oc), (quai, qc) = community_configs(config)
    assert [lilas.id, ours.id, quai.id] == ["lilas", "ours", "quai"]
    assert (lc.community.name, lc.community.locale, lc.community.guild_id) == ("Les Lilas", "fr", LILAS_GUILD)
    assert (oc.community.locale, oc.channels.welcome, oc.channels.general) == ("en", "hello", "agora")
    assert lc.channels.welcome == "welcome"  # the other community's own channel stays its own
    assert (qc.community.timezone, qc.signal.group, quai.platform_key) == ("America/Montreal", QUAI_GROUP, QUAI_GROUP)
    assert [lilas.platform_key, ours.platform_key] == [LILAS_GUILD, OURS_GUILD]


def test_a_config_without_communities_is_a_network_of_one() -> None:
    config = parse_config({"community": {"name": "Bricole", "guild_id": LILAS_GUILD}})
    assert not is_network(config)
    [(entry, own)] = community_configs(config)
    assert own is config and entry.id == "main" and entry.name == "Bricole"


@pytest.mark.parametrize(("change", "fr", "en"), [
    (lambda d: d["communities"][1].update(id="Tanière!"), "communities[2].id", "lowercase letters"),
    (lambda d: d["communities"][1].update(id="lilas"), "deux communautés ont l'identifiant « lilas »",
     "two communities have the id"),
    (lambda d: d["communities"][1].update(guild_id=LILAS_GUILD), "toutes deux liées au serveur Discord",
     "both bound to the Discord server"),
    (lambda d: d["communities"][1].update(group=QUAI_GROUP), "toutes deux liées au groupe Signal",
     "both bound to the Signal group"),
    (lambda d: d["communities"][2].update(locale="de"), "« communities[3].locale » attend fr ou en",
     "“communities[3].locale” expects fr or en"),
    (lambda d: d["communities"][0].update(channels={"lobby": "x"}), "communities[1].channels.lobby",
     "there is no setting “communities[1].channels.lobby”"),
    (lambda d: d["communities"][0].pop("name"), "« communities[1].name » doit être renseigné",
     "“communities[1].name” must be set"),
    (lambda d: d["network"].update(home="nowhere"), "n'est pas dans le réseau", "is not in the network"),
    (lambda d: d["network"].update(widen_after="soon"), "network.widen_after", "network.widen_after"),
])
def test_check_config_names_network_problems_in_plain_words(change: Any, fr: str, en: str) -> None:
    for locale, expected in (("fr", fr), ("en", en)):
        data = copy.deepcopy(NETWORK)
        data["community"]["locale"] = locale
        change(data)
        assert expected in refused(data)


def test_network_settings_have_defaults_for_the_network_features() -> None:
    settings = network_config().network
    assert (settings.auto_widen, settings.widen_after, settings.widen_rounds) == (False, "24h", 2)
    assert (settings.digest_day, settings.digest_hour, settings.channel, settings.home) == ("mon", 9, "animators", "")


# Runtime and ctx API ---------------------------------------------------------------------------


async def test_one_engine_per_community_sharing_one_runtime(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "n.sqlite", network_config()).open()
    try:
        engine = sim.engine
        assert engine is not None
        assert [e.ctx.id for e in engine.engines] == ["lilas", "ours", "quai"]
        lilas, ours, quai = engine.engines
        assert engine.for_community("ours") is ours and engine.for_community("nope") is None
        assert engine.for_guild(OURS_GUILD) is ours and engine.for_guild(QUAI_GROUP) is quai
        assert {id(e.dispatcher) for e in engine.engines} == {id(engine.dispatcher)}
        assert {id(e.scheduler) for e in engine.engines} == {id(engine.scheduler)}
        assert {id(e.ctx.db) for e in engine.engines} == {id(engine.ctx.db)}
        ctx = ours.ctx
        assert (ctx.id, ctx.name, ctx.key_prefix, ctx.guild_id, ctx.locale) == (
            "ours", "La Tanière", "ours/", OURS_GUILD, "en")
        network = ctx.network
        assert network is lilas.ctx.network and network.declared
        assert network.name == "Réseau des tiers-lieux"
        assert network.communities == [lilas.ctx, ours.ctx, quai.ctx] and network.first is lilas.ctx
        assert network.community("quai") is quai.ctx and network.by_guild(LILAS_GUILD) is lilas.ctx
        assert network.others(ours.ctx) == [lilas.ctx, quai.ctx]
        assert network.home is lilas.ctx and network.widen_after == timedelta(hours=24)
        assert network.is_animator("u-anna") and not network.is_animator("u-bob")
        assert network.is_animator("u-bob", roles=["network-animator"])
        names = {e.name for e in engine.scheduler.entries}
        assert {"lilas/weekly-digest", "ours/weekly-digest", "quai/weekly-digest"} <= names
    finally:
        await sim.close()


async def test_a_lone_community_keeps_its_keys_and_is_a_network_of_one(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "one.sqlite", Config()).open()
    try:
        ctx = sim.ctx
        assert (ctx.id, ctx.key_prefix, ctx.network.declared) == ("main", "", False)
        assert ctx.network.communities == [ctx] and ctx.network.first is ctx and ctx.network.others(ctx) == []
        await sim.advance("7d")
        keys = await jobs_repo.runs_of(ctx.db.reader, "weekly-digest")
        assert keys and all(k.startswith("weekly-digest:") for k in keys)
        assert "community" not in sim.last[-1]  # outputs of a lone community are as they always were
    finally:
        await sim.close()


# Console ----------------------------------------------------------------------------------------


async def test_console_routes_inputs_and_names_the_community_of_each_output(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "n.sqlite", network_config()).open()
    try:
        outs = await sim.send({"type": "join", "user": "alice"})  # no community: the first one
        assert {o["community"] for o in outs} == {"lilas"}
        assert "Les Lilas" in of(outs, "dm")[0]["text"]
        outs = await sim.send({"type": "join", "user": "alice", "community": "ours"})
        [welcome] = of(outs, "dm")
        assert welcome["community"] == "ours" and "La Tanière" in welcome["text"] and "Welcome" in welcome["text"]
        outs = await sim.send({"type": "click", "user": "alice", "custom_id": "charter:accept", "community": "ours"})
        assert {o["community"] for o in outs} == {"ours"}
        assert of(outs, "post")[0]["channel"] == "hello"  # the community's own welcome channel
        # one person, one membership per community: still only a newcomer in Les Lilas
        reply = await sim.command("alice", "profile show")
        assert reply["community"] == "lilas"
        outs = await sim.send({"type": "command", "user": "alice", "command": "help", "community": "quai"})
        assert of(outs, "reply")[0]["error"] == "not_eligible"  # never joined Le Quai
        outs = await sim.send({"type": "command", "user": "alice", "command": "help", "community": "nowhere"})
        assert of(outs, "protocol_error") and "lilas, ours, quai" in outs[0]["text"]
        outs = await sim.send({"type": "command", "user": "alice", "command": "help", "community": 3})
        assert of(outs, "protocol_error")
    finally:
        await sim.close()


async def test_each_community_runs_its_own_jobs_once_across_a_restart(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "n.sqlite", network_config()).open()
    try:
        for community in ("lilas", "ours", "quai"):
            await sim.send({"type": "join", "user": f"m-{community}", "community": community})
            await sim.send({"type": "click", "user": f"m-{community}", "custom_id": "charter:accept",
                            "community": community})
            await sim.send({"type": "command", "user": f"m-{community}", "command": "request new",
                            "community": community,
                            "options": {"title": "Besoin d'une perceuse", "skills": "bricolage"}})
        outs = await sim.advance(until="2026-12-07T10:30:00+01:00")  # Monday, 10:00 in Paris: two digests
        digests = [o for o in outs if o.get("kind") == "weekly-digest"]
        assert sorted(o["community"] for o in digests) == ["lilas", "ours"]
        await sim.restart(crash=True)  # within the catch-up grace: the periods already run are not run again
        assert [o for o in sim.startup if o.get("kind") == "weekly-digest"] == []
        outs = await sim.advance(until="2026-12-08T09:00:00+01:00")  # Monday 10:00 in Montreal
        [quai] = [o for o in outs if o.get("kind") == "weekly-digest"]
        assert quai["community"] == "quai" and quai["at"] == "2026-12-07T10:00:00-05:00"
        db = sim.ctx.db.reader
        for community in ("lilas", "ours", "quai"):
            assert await jobs_repo.runs_of(db, f"{community}/weekly-digest") == [f"{community}/weekly-digest:2026-W50"]
        assert await jobs_repo.runs_of(db, "weekly-digest") == []
        async with db.execute("SELECT key FROM outbox WHERE kind = 'weekly-digest' ORDER BY key") as cur:
            keys = [row[0] for row in await cur.fetchall()]
        assert keys == ["lilas/weekly-digest:2026-W50", "ours/weekly-digest:2026-W50", "quai/weekly-digest:2026-W50"]
    finally:
        await sim.close()


def test_check_config_for_discord_reads_each_communitys_server(tmp_path: Path) -> None:
    from bot.config_check import check_files

    data = copy.deepcopy(NETWORK)
    data["database"] = {"path": str(tmp_path / "n.sqlite")}
    assert check_files(parse_config(data), "net.toml", discord=True) == []
    data["communities"][1]["guild_id"] = "12ab"
    [problem] = check_files(parse_config(data), "net.toml", discord=True)
    assert "communities[2].guild_id" in problem and "17 à 20 chiffres" in problem
    for entry in data["communities"]:
        entry.pop("guild_id", None)
    [problem] = check_files(parse_config(data), "net.toml", discord=True)
    assert "aucune communauté du réseau n'a de serveur Discord" in problem


def test_check_config_names_and_checks_every_community(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    """`entraide check-config` on a network: one line per community (binding, language, zone, channels,
    roles), each community's own charter read, a problem naming its community; in the configured language."""
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "charte.md").write_text("Respect.\n", encoding="utf-8")

    def written(locale: str = "fr", ours_charter: str = "charte.md", ours_guild: str = OURS_GUILD) -> str:
        path = tmp_path / f"net-{locale}.toml"
        path.write_text(f'''[community]
name = "Entraide"
locale = "{locale}"
charter_file = "charte.md"

[database]
path = "{tmp_path / 'n.sqlite'}"

[channels]
general = "agora"
''' + network_toml(bound={"ours": f'guild_id = "{ours_guild}"'}, ours=f'''
charter_file = "{ours_charter}"
timezone = "Europe/Brussels"
roles = {{ animators = ["anim", "coord"] }}
''') + '\n[[communities]]\nid = "essai"\nname = "Essai"\n', encoding="utf-8")
        return str(path)

    assert main(["check-config", "--config", written()]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "Configuration valable : réseau « Réseau des tiers-lieux », 4 communautés :"
    assert lines[1] == (f"• « Les Lilas » (lilas) : serveur Discord {LILAS_GUILD}, langue fr, fuseau Europe/Paris ; "
                        "salons : #welcome, #help-requests, #agora, #mod-log, #animators ; "
                        "rôles : member, animator, member-of-the-month.")
    assert lines[2].startswith(f"• « La Tanière » (ours) : serveur Discord {OURS_GUILD}, langue fr, fuseau "
                               "Europe/Brussels ;") and "rôles : member, anim, coord," in lines[2]
    assert lines[3].startswith("• « Le Quai » (quai) : groupe Signal abcdefgh…, langue fr") and "admins" in lines[3]
    assert lines[4].startswith("• « Essai » (essai) : console seulement") and len(lines) == 5

    assert main(["check-config", "--config", written(ours_charter="charte-tanière.md", ours_guild="12ab")]) == 2
    problems = capsys.readouterr().err.strip().splitlines()
    assert len(problems) == 2, problems
    assert problems[0].startswith("Communauté « La Tanière » (ours) : ") and "charte-tanière.md" in problems[0]
    assert "introuvable" in problems[0]
    assert problems[1].startswith("Communauté « La Tanière » (ours) : ") and "communities[2].guild_id" in problems[1]

    assert main(["check-config", "--config", written("en")]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "Configuration valid: network “Réseau des tiers-lieux”, 4 communities:"
    assert lines[4].startswith("• “Essai” (essai): console only")
