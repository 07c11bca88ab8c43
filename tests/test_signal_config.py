"""`[signal]` is validated like every section; `run --transport signal` says what is missing."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.config import ConfigError, parse_config
from tests.signal_peer import GROUP_ID

ACI = "0f0e0d0c-0b0a-4090-8070-605040302010"


def test_a_complete_signal_section_loads() -> None:
    config = parse_config({"signal": {"account": "+33612345678", "socket": "/run/signal-cli/socket",
                                      "group": GROUP_ID, "channels": {"animators": GROUP_ID},
                                      "animators": [ACI.upper()], "timeout": "remove"}})
    assert config.signal.missing() is None
    assert config.signal.animators == [ACI]


@pytest.mark.parametrize(("section", "key"), [
    ({"account": "0612345678"}, "signal.account"),
    ({"tcp": "localhost"}, "signal.tcp"),
    ({"group": "not a group id"}, "signal.group"),
    ({"channels": {"salon": GROUP_ID}}, "signal.channels"),
    ({"animators": ["+33612345678"]}, "signal.animators"),
    ({"timeout": "mute"}, "signal.timeout"),
    ({"phone": "+33612345678"}, "signal.phone"),
])
def test_a_bad_signal_value_names_its_key(section: dict, key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({"signal": section})
    assert key in str(caught.value)


def test_missing_pieces_are_one_sentence_each() -> None:
    assert "signal.account" in parse_config({}).signal.missing()
    both = parse_config({"signal": {"account": "+33612345678", "socket": "/s", "tcp": "127.0.0.1:7583"}})
    assert "exactly one" in both.signal.missing()
    no_group = parse_config({"signal": {"account": "+33612345678", "tcp": "127.0.0.1:7583"}})
    assert "signal.group" in no_group.signal.missing()


def test_any_group_key_loads_but_only_a_real_group_id_runs_on_signal() -> None:
    """The console simulates any group (a network's Signal-like place bound to `group = "quai"`);
    `run --transport signal` wants the id signal-cli prints."""
    toy = parse_config({"signal": {"account": "+33612345678", "tcp": "127.0.0.1:7583", "group": "quai"}})
    assert toy.signal.group == "quai" and "listGroups" in (toy.signal.missing() or "")
    real = parse_config({"signal": {"account": "+33612345678", "tcp": "127.0.0.1:7583", "group": GROUP_ID}})
    assert real.signal.missing() is None


def test_run_on_signal_without_a_group_stops_with_a_sentence(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[signal]\naccount = "+33612345678"\nsocket = "/tmp/nowhere.sock"\n', encoding="utf-8")
    assert main(["run", "--transport", "signal", "--config", str(config)]) == 2
    assert "signal.group" in capsys.readouterr().err
