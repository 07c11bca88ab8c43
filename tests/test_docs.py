"""The docs stay true: every test that RELIABILITY.md cites exists, and the README keeps its quick start."""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CITATION = re.compile(r"`(tests/[\w/]+\.py)(?:::(\w+))?`|`::(\w+)`")


def functions_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
    names |= {n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef)}
    return names


def test_every_test_cited_in_reliability_md_exists() -> None:
    text = (ROOT / "docs" / "RELIABILITY.md").read_text(encoding="utf-8")
    current: Path | None = None
    cited = 0
    for line in text.splitlines():
        for file, name, bare in CITATION.findall(line):
            if file:
                current = ROOT / file
                assert current.is_file(), f"RELIABILITY.md cites a missing file: {file}"
            test = name or bare
            if test:
                assert current is not None, f"::{test} cited before any file"
                assert test in functions_in(current), f"RELIABILITY.md cites {current.name}::{test}, which is gone"
                cited += 1
    assert cited >= 20


def test_the_readme_quick_start_is_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("##", 1)[0]
    commands = [line.strip() for line in quick.splitlines() if line.startswith("    ")]
    assert commands == ["make demo", "make test"]
