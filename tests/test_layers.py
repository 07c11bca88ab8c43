"""The architecture, enforced: services and storage never import discord; SQL lives only in storage/."""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQL = re.compile(r"^\s*(SELECT\s.+\sFROM|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+"
                 r"(TABLE|INDEX)|PRAGMA\s)", re.DOTALL)


def python_files(*folders: str) -> list[Path]:
    return [p for folder in folders for p in (ROOT / folder).rglob("*.py")]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_services_storage_and_the_core_never_import_discord() -> None:
    offenders = []
    for path in python_files("bot", "storage"):
        if any(name == "discord" or name.startswith("discord.") for name in imported_modules(path)):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_sql_appears_only_in_storage() -> None:
    offenders = []
    for path in python_files("bot", "cogs"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.match(node.value):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_the_layer_check_catches_sql_when_it_is_there() -> None:
    assert SQL.match("SELECT id FROM member WHERE x = 1")
    assert SQL.match("INSERT OR IGNORE INTO skill (a) VALUES (1)")
    assert not SQL.match("Select the skills you offer from the list")


def test_nothing_reads_the_system_clock_outside_bot_clock() -> None:
    offenders = []
    for path in python_files("bot", "storage", "cogs"):
        if path.name == "clock.py" or path.name == "cli.py":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"datetime\.now\(|datetime\.utcnow\(|time\.time\(", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
