"""Configuration: the example file is valid and complete; a bad key stops start-up with one sentence."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Config, ConfigError, load_config, parse_config
from tests.network_config import network_toml

EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.toml"


def test_the_example_config_loads_and_matches_the_defaults() -> None:
    loaded = load_config(EXAMPLE)
    defaults = Config()
    for section in ("community", "channels", "roles", "schedule", "onboarding", "requests", "nudges", "motm",
                    "moderation", "privacy", "delivery", "database"):
        assert getattr(loaded, section) == getattr(defaults, section), section


def test_the_example_config_names_every_setting() -> None:
    document = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    for section, model in Config.model_fields.items():
        if section == "communities":  # a network's entries: shown commented out (the example is one community)
            assert "# [[communities]]" in EXAMPLE.read_text(encoding="utf-8")
            continue
        if section == "network":  # commented out too, so that a network appends its own [network] (issue 22)
            text = EXAMPLE.read_text(encoding="utf-8")
            assert "# [network]" in text and "network" not in document
            for key in model.annotation.model_fields:  # type: ignore[union-attr]
                assert f"\n# {key} = " in text, f"network.{key} missing from config.example.toml"
            continue
        assert section in document, f"[{section}] missing from config.example.toml"
        for key in model.annotation.model_fields:  # type: ignore[union-attr]
            assert key in document[section], f"{section}.{key} missing from config.example.toml"


def test_the_example_plus_a_network_section_and_communities_is_a_network(tmp_path: Path) -> None:
    """Issue 22's contract: a network config is today's config plus [network] and [[communities]]."""
    config = tmp_path / "network.toml"
    config.write_text(EXAMPLE.read_text(encoding="utf-8")
                      + network_toml("lilas", "quai", name="Réseau", bound={"lilas": ""}), encoding="utf-8")
    loaded = load_config(config)
    assert loaded.network.name == "Réseau" and [c.id for c in loaded.communities] == ["lilas", "quai"]


def test_the_documented_defaults() -> None:
    c = Config()
    assert (c.community.locale, c.community.timezone) == ("fr", "Europe/Paris")
    assert (c.channels.welcome, c.channels.help_requests, c.channels.general, c.channels.mod_log,
            c.channels.animators) == ("welcome", "help-requests", "general", "mod-log", "animators")
    assert (c.roles.member, c.roles.animators, c.roles.member_of_the_month) == (
        "member", ["animator"], "member-of-the-month")
    assert (c.schedule.weekly_digest_day, c.schedule.weekly_digest_time) == ("mon", "10:00")
    assert (c.schedule.weekly_nudges_day, c.schedule.weekly_nudges_time) == ("wed", "18:00")
    assert c.onboarding.checkin_days == [7, 30, 180]
    assert (c.requests.helpers_per_round, c.requests.round_after_hours, c.requests.urgent_round_after_hours,
            c.requests.escalate_after_rounds) == (3, 12, 2, 2)
    assert (c.onboarding.godparent_min_days, c.onboarding.godparent_max_godchildren) == (14, 3)
    assert (c.motm.open_day, c.motm.open_time, c.motm.duration_days, c.motm.voter_min_days) == (1, "10:00", 7, 7)
    assert c.schedule.catch_up_grace_hours == 6


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"requests": {"helpers_per_rond": 3}}, "le réglage « requests.helpers_per_rond » n'existe pas"),
        ({"nonsense": {}}, "le réglage « nonsense » n'existe pas"),
        ({"requests": {"helpers_per_round": 0}}, "« requests.helpers_per_round » doit valoir au moins 1, pas 0"),
        ({"community": {"timezone": "Mars/Olympus"}}, "« community.timezone » attend un fuseau horaire comme"),
        ({"community": {"locale": "de"}}, "« community.locale » attend fr ou en, pas \"de\""),
        ({"schedule": {"weekly_digest_day": "monday"}}, "« schedule.weekly_digest_day » attend un jour parmi"),
        ({"schedule": {"weekly_digest_time": "25:00"}}, "« schedule.weekly_digest_time » attend une heure HH:MM"),
        ({"community": {"guild_id": 123456789012345678}},
         "« community.guild_id » doit être écrit entre guillemets : guild_id = \"123456789012345678\""),
        ({"community": {"locale": "en", "guild_id": 123456789012345678}},
         "“community.guild_id” must be written in quotes: guild_id = \"123456789012345678\""),
        ({"community": {"locale": "en"}, "requests": {"max_helpers": "three"}},
         "“requests.max_helpers” expects a whole number, not \"three\""),
    ],
)
def test_a_bad_setting_is_named_in_one_sentence(data: dict, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
    assert "Input should" not in str(caught.value) and "Value error" not in str(caught.value)


def test_a_zone_is_read_in_any_case_and_kept_in_its_iana_spelling() -> None:
    """The one rule for zone names (bot/zone_names.py): what PostgreSQL would read, Python reads too."""
    from bot.network_config import community_configs

    alone = parse_config({"community": {"timezone": "europe/paris"}})
    assert alone.community.timezone == "Europe/Paris" and alone.community.tz.key == "Europe/Paris"
    network = parse_config({"network": {"name": "Réseau"}, "communities": [
        {"id": "lilas", "name": "Les Lilas", "guild_id": "111111111111111111"},
        {"id": "port", "name": "Le Port", "guild_id": "222222222222222222", "timezone": " AMERICA/montreal "},
    ]})
    zones = [cfg.community.timezone for _entry, cfg in community_configs(network)]
    assert zones == ["Europe/Paris", "America/Montreal"]
    with pytest.raises(ConfigError, match="« community.timezone » attend un fuseau horaire comme"):
        parse_config({"community": {"timezone": "europe/nowhere"}})


def test_the_token_is_not_a_config_key() -> None:
    with pytest.raises(ConfigError, match="n'existe pas"):
        parse_config({"discord": {"token": "abc"}})


def test_cli_stops_on_a_bad_config_with_exit_code_2(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[requests]\nmax_helpers = -1\n", encoding="utf-8")
    assert main(["check-config", "--config", str(bad)]) == 2
    assert "requests.max_helpers" in capsys.readouterr().err


def test_run_without_a_token_explains_how_to_get_one(monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture) -> None:
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    assert main(["run", "--config", str(EXAMPLE)]) == 2
    err = capsys.readouterr().err
    assert "DISCORD_TOKEN" in err and err.count("\n") == 1
