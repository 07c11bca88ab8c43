"""Which communities `entraide run` serves, on which platforms (issues 22 and 24), and one process per
community: a second process on the same community is refused in the community's words, processes on
other communities of the same database start beside it."""
from __future__ import annotations

import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from bot.app import Engine
from bot.clock import SimulatedClock
from bot.config import Config, ConfigError, parse_config
from bot.run_choice import choose
from storage.database import DatabaseError
from tests.network_config import network_toml

GROUP = "cXVhaS1ncm91cC1lbnRyYWlkZS0wMDAwMDAwMDAwMDAwMDA="


def network(locale: str = "fr") -> Config:
    return parse_config({"community": {"locale": locale}, "network": {"name": "Réseau"}, "communities": [
        {"id": "lilas", "name": "Les Lilas", "guild_id": "111111111111111111"},
        {"id": "ours", "name": "La Tanière", "guild_id": "222222222222222222"},
        {"id": "quai", "name": "Le Quai", "group": GROUP},
        {"id": "atelier", "name": "L'Atelier"},  # neither a server nor a group: the console only
    ]})


def test_a_network_runs_each_community_on_its_own_platform_unless_told_otherwise() -> None:
    config = network()
    both = choose(config, None, None)
    assert both.platforms == ("discord", "signal") and both.only is None
    assert choose(config, "discord", None).platforms == ("discord",)  # --transport stays a filter
    assert choose(config, "signal", None).platforms == ("signal",)
    quai = choose(config, None, "quai")
    assert quai.platforms == ("signal",) and quai.only == {"quai"}
    entries = {entry.id: entry for entry in config.communities}
    assert [quai.serves(entries[i]) for i in ("lilas", "ours", "quai")] == [False, False, True]
    assert choose(config, None, "lilas, quai").platforms == ("discord", "signal")
    # Sharded: Discord communities by their server's shard, Signal groups only when named.
    assert choose(config, None, None, sharded=True).platforms == ("discord",)
    assert choose(config, None, "quai", sharded=True).platforms == ("signal",)
    # A lone community runs as before: Discord unless --transport signal.
    alone = Config()
    assert choose(alone, None, None).platforms == ("discord",)
    assert choose(alone, "signal", None).platforms == ("signal",)


@pytest.mark.parametrize(("locale", "transport", "names", "words"), [
    ("fr", None, "lilas,nulle-part",
     "aucune communauté « nulle-part » dans le réseau (ses communautés : lilas, ours, quai, atelier)"),
    ("en", None, "nowhere", "no community “nowhere” in the network (its communities: lilas, ours, quai, atelier)"),
    ("fr", "discord", "quai", "Aucune des communautés choisies (quai) ne se trouve sur Discord (guild_id dans son "
     "entrée [[communities]]) : nommez-en d'autres avec --communities, ou changez --transport."),
    ("en", "signal", "lilas,ours", "None of the communities chosen (lilas, ours) is on Signal (group in its "
     "[[communities]] entry)"),
    # On no platform at all (the console only): a list said as one, and what makes a community live on one.
    ("fr", None, "atelier", "Aucune des communautés choisies (atelier) ne se trouve ni sur Discord ni sur Signal : "
     "donnez à chacune, dans son entrée [[communities]], un serveur Discord (guild_id) ou un groupe Signal (group)"),
    ("en", None, "atelier", "The communities chosen (atelier) are on neither Discord nor Signal: give each one a "
     "Discord server (guild_id) or a Signal group (group) in its [[communities]] entry"),
])
def test_a_choice_that_does_not_fit_is_one_sentence(locale: str, transport: str | None, names: str,
                                                    words: str) -> None:
    with pytest.raises(ConfigError) as refused:
        choose(network(locale), transport, names)
    assert words in str(refused.value)


def test_communities_needs_a_network() -> None:
    with pytest.raises(ConfigError, match="lancez-la sans --communities"):
        choose(Config(), None, "main")


class Quiet:
    async def deliver(self, message: object) -> None:
        return None


async def test_one_process_per_community_several_per_database(tmp_path: Path) -> None:
    config = network()
    db = tmp_path / "network.sqlite"
    clock = SimulatedClock(datetime.fromisoformat("2026-12-01T09:00:00+01:00"))

    def named(*ids: str):  # noqa: ANN202
        return lambda entry: entry.id in ids

    discord = await Engine.open(config, db, clock, Quiet(), serves=named("lilas", "ours"))
    try:
        assert [e.ctx.id for e in discord.engines] == ["lilas", "ours"]
        assert discord.dispatcher.only == ["111111111111111111", "222222222222222222"]
        with pytest.raises(DatabaseError) as refused:
            await Engine.open(config, db, clock, Quiet(), serves=named("ours", "quai"))
        assert "Un autre processus entraide sert déjà la communauté « La Tanière » (ours)" in str(refused.value)
        signal = await Engine.open(config, db, clock, Quiet(), serves=named("quai"))  # another community: starts
        try:
            assert [e.ctx.id for e in signal.engines] == ["quai"] and signal.dispatcher.only == [GROUP]
        finally:
            await signal.close()
    finally:
        await discord.close()
    whole = await Engine.open(config, db, clock, Quiet())  # all of them, once the others stopped
    assert whole.dispatcher.only is None
    await whole.close()


async def test_each_process_sends_only_its_communities_rows(tmp_path: Path) -> None:
    from storage import outbox as outbox_repo

    config = network()
    db = tmp_path / "network.sqlite"
    clock = SimulatedClock(datetime.fromisoformat("2026-12-01T09:00:00+01:00"))
    sent: list[str] = []

    class Recorder:
        async def deliver(self, message: object) -> None:
            sent.append(message.guild_id)  # type: ignore[attr-defined]

    engine = await Engine.open(config, db, clock, Recorder(), serves=lambda entry: entry.id == "quai")
    try:
        async with engine.ctx.db.transaction() as tx:
            for key in ("111111111111111111", GROUP):
                await outbox_repo.enqueue(tx, guild_id=key, kind="notice", op="send", target="channel:general",
                                          payload={"text": "x"}, paced=False, not_before=0, key=f"{key}/x", now=0)
        await engine.deliver()
        assert sent == [GROUP]  # Les Lilas' row waits for the process that serves Les Lilas
    finally:
        await engine.close()


def test_a_mixed_network_without_its_signal_account_says_how_to_run_discord_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.cli import EXIT_USAGE, main

    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    config = tmp_path / "config.toml"
    config.write_text(network_toml("lilas", "quai", name="Réseau"), encoding="utf-8")
    db = str(tmp_path / "network.sqlite")
    assert main(["run", "--config", str(config), "--db", db]) == EXIT_USAGE
    said = capsys.readouterr().err
    assert "[signal]" in said and "--transport discord" in said
    assert main(["run", "--config", str(config), "--db", db, "--transport", "discord"]) == EXIT_USAGE
    assert "No Discord token" in capsys.readouterr().err  # the Discord servers alone: only the token lacks
    assert main(["run", "--config", str(config), "--db", db, "--communities", "nowhere"]) == EXIT_USAGE
    assert "aucune communauté « nowhere »" in capsys.readouterr().err


def _console(config: Path, db: Path, *more: str) -> subprocess.Popen[str]:
    from tests.console_process import ROOT, console_command

    return subprocess.Popen(console_command() + ["console", "--jsonl", "--config", str(config), "--db", str(db),
                                                 "--start", "2026-12-01T09:00:00+01:00", *more],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=ROOT)


def test_console_serves_the_communities_it_is_given(tmp_path: Path) -> None:
    """`entraide console --communities quai` serves that one (the others' inputs refused, their rows left to
    their process) and locks it alone: a console for Les Lilas starts beside it, a second one for quai not."""
    import json

    from bot.run_choice import console_serves

    config = network()
    entries = {entry.id: entry for entry in config.communities}
    serves = console_serves(config, "quai")
    assert serves is not None and [serves(entries[i]) for i in ("lilas", "ours", "quai")] == [False, False, True]
    assert console_serves(config, None) is None
    with pytest.raises(ConfigError, match="aucune communauté « nulle-part »"):
        console_serves(config, "nulle-part")
    with pytest.raises(ConfigError, match="lancez-la sans --communities"):
        console_serves(Config(), "main")

    path = tmp_path / "config.toml"
    path.write_text(network_toml(name="Réseau"), encoding="utf-8")
    db = tmp_path / "network.sqlite"
    quai = _console(path, db, "--communities", "quai")
    try:
        assert quai.stdin is not None and quai.stdout is not None
        assert json.loads(quai.stdout.readline())["type"] == "ready"
        lines = [{"type": "join", "user": "zoe", "locale": "fr", "community": "quai"},
                 {"type": "command", "user": "zoe", "command": "help", "community": "lilas"}]
        lilas = _console(path, db, "--communities", "lilas")  # another community of the same file: starts
        out, err = lilas.communicate('{"type": "join", "user": "alice", "community": "lilas"}\n', timeout=120)
        assert lilas.returncode == 0, err
        assert any(json.loads(line).get("community") == "lilas" for line in out.splitlines() if line), out
        again = _console(path, db, "--communities", "quai,ours")  # quai is served already: refused, named
        out, err = again.communicate("", timeout=120)
        assert again.returncode == 1 and "« Le Quai » (quai)" in err, (out, err)
        out, err = quai.communicate("".join(json.dumps(line) + "\n" for line in lines), timeout=120)
        shown = [json.loads(line) for line in out.splitlines() if line]
        assert {o["community"] for o in shown if "community" in o} == {"quai"}, shown  # nothing from the others
        [refused] = [o for o in shown if o["type"] == "reply"]
        assert refused["error"] == "invalid_input" and "lilas" in refused["text"] and "quai" in refused["text"]
        assert quai.returncode == 0, err
    finally:
        for proc in (quai,):
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    bad = _console(path, db, "--communities", "nulle-part")
    out, err = bad.communicate("", timeout=120)
    assert bad.returncode == 2 and "aucune communauté « nulle-part » dans le réseau" in err, (out, err)
