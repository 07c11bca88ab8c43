"""Setup commands (animators): `setup check` and `setup adopt`."""
from __future__ import annotations

from bot.commands.registry import Invocation, Option, Reply, command, ok
from bot.services import setup


@command("setup check", animator=True)
async def setup_check(inv: Invocation) -> Reply:
    findings = await setup.check_setup(inv.ctx)
    if not findings:  # a transport that checks its server itself (Signal) adds its own lines
        return ok("", {"checks": []})
    text, checks = setup.render_findings(inv.ctx, inv.locale, findings)
    bad = len(setup.failing(findings))
    head = inv.t("setup.check_problems", count=bad) if bad else inv.t("setup.check_fine")
    return ok(head + ("\n" + text if text else ""), {"checks": checks})


@command("setup adopt", Option("charter", "text", max_len=20), animator=True)
async def setup_adopt(inv: Invocation) -> Reply:
    charter = setup.parse_charter_choice(inv.options.get("charter"))  # `envoyer`, `Send`: the same choice
    result = await setup.adopt_server(inv.ctx, inv.member, charter)
    key = "setup.adopted_send" if charter == "send" else "setup.adopted"
    text = inv.t(key if result.adopted else "setup.adopted_none", count=result.adopted)
    if result.already:
        text += " " + inv.t("setup.adopted_already", count=result.already)
    return ok(text, {"adopted": result.adopted})
