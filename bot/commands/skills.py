"""Skills tidy-up for animators: `mod skill merge`, `mod skill rename`, `mod skill remove` (audited)."""
from __future__ import annotations

from bot.commands.registry import Invocation, Option, Reply, command, ok
from bot.mentions import neutralize
from bot.services import skills

SKILL_MAX = 100


@command("mod skill merge", Option("skill", required=True, max_len=SKILL_MAX),
         Option("into", required=True, max_len=SKILL_MAX), animator=True)
async def mod_skill_merge(inv: Invocation) -> Reply:
    change = await skills.merge_skills(inv.ctx, inv.member, inv.options["skill"], inv.options["into"])
    text = inv.t("skills.merged", skill=neutralize(inv.options["skill"].strip()), into=neutralize(change.skill),
                 count=change.members)
    return ok(text, {"skill": change.skill, "members": change.members})


@command("mod skill rename", Option("skill", required=True, max_len=SKILL_MAX),
         Option("to", required=True, max_len=SKILL_MAX), animator=True)
async def mod_skill_rename(inv: Invocation) -> Reply:
    change = await skills.rename_skill(inv.ctx, inv.member, inv.options["skill"], inv.options["to"])
    text = inv.t("skills.renamed", skill=neutralize(change.skill), count=change.members)
    return ok(text, {"skill": change.skill, "members": change.members})


@command("mod skill remove", Option("skill", required=True, max_len=SKILL_MAX), animator=True)
async def mod_skill_remove(inv: Invocation) -> Reply:
    change = await skills.remove_skill(inv.ctx, inv.member, inv.options["skill"])
    text = inv.t("skills.removed", skill=neutralize(change.skill), count=change.members)
    return ok(text, {"skill": change.skill, "members": change.members})
