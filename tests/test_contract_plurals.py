"""Counts read through plural tables (docs/STYLE.md) agree with the number they count: a table's form is
chosen by `count`, else by the first number of its sentence, so a sentence that starts with an id must
count with `count` (« après 2 tours », never « après 2 tour » because the request is n°1)."""
from __future__ import annotations

import string
import tomllib
from pathlib import Path

from tests.harness import Sim, of

CATALOGUES = Path(__file__).resolve().parent.parent / "bot" / "i18n"


def plural_tables(node: dict, prefix: str = ""):  # noqa: ANN201 - (key, table) pairs
    for key, value in node.items():
        if isinstance(value, dict) and isinstance(value.get("other"), str):
            yield prefix + key, value
        elif isinstance(value, dict):
            yield from plural_tables(value, f"{prefix}{key}.")


def test_no_plural_table_agrees_with_an_id() -> None:
    wrong = []
    for path in sorted(CATALOGUES.glob("*/*.toml")):
        for key, table in plural_tables(tomllib.loads(path.read_text(encoding="utf-8"))):
            fields = [field for _, field, _, _ in string.Formatter().parse(table["other"]) if field]
            if "count" not in fields and fields and (fields[0] == "id" or fields[0].endswith("_id")):
                wrong.append(f"{path.parent.name}/{path.stem}: {key} {fields}")
    assert not wrong, wrong


async def test_the_escalation_counts_its_rounds(sim: Sim) -> None:
    await sim.onboard("rita")
    await sim.onboard("hugo", skills="jardinage")
    assert (await sim.command("rita", "request new", title="Haie", skills="jardinage"))["ok"]
    outs = await sim.advance(by="2d")
    [alert] = of(outs, "post", kind="escalation")
    assert "après 2 tours de sollicitations" in alert["text"], alert
