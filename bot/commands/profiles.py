"""Profile commands: `profile set`, `profile show`, `directory`, `skills`."""
from __future__ import annotations

from bot.commands.pages import page_reply, paged
from bot.commands.registry import Invocation, Option, Reply, command, ok
from bot.mentions import neutralize
from bot.services import network_shared as network
from bot.services import profiles
from bot.services.profiles import ProfileView
from storage.members import Member

SKILLS_PAGE = 25
DIRECTORY_PAGE = 40
NETWORK_DIRECTORY_PAGE = 10  # members a page of the network directory, each with their shared profile
LIST_MAX = 1000  # a comma-separated list of skills or needs, as typed (the service caps how many)


def _list(inv: Invocation, items: list[str]) -> str:
    return neutralize(", ".join(items)) if items else inv.t("profiles.none")


def _yes_no(inv: Invocation, value: bool) -> str:
    return inv.t("common.yes") if value else inv.t("common.no")


@command(
    "profile set",
    Option("skills", "csv", max_len=LIST_MAX), Option("needs", "csv", max_len=LIST_MAX),
    Option("add_skills", "csv", max_len=LIST_MAX), Option("remove_skills", "csv", max_len=LIST_MAX),
    Option("add_needs", "csv", max_len=LIST_MAX), Option("remove_needs", "csv", max_len=LIST_MAX),
    Option("languages", "csv", max_len=200), Option("bio", "text", max_len=profiles.MAX_BIO),
    Option("timezone", "text", max_len=64), Option("quiet_hours", "text", max_len=20),
    Option("available", "bool"), Option("godparent", "bool"), Option("nudges", "bool"), Option("visible", "bool"),
    Option("language", "text", max_len=10), Option("network", "bool"),
)
async def profile_set(inv: Invocation) -> Reply:
    data = await profiles.set_profile(inv.ctx, inv.member, inv.options)
    text = inv.t("profiles.saved", skills=_list(inv, data["skills"]), needs=_list(inv, data["needs"]))
    if any(inv.options.get(name) is not None for name in SETTINGS):  # « heures calmes=… »: say what it now is
        from storage import members as members_repo

        member = await members_repo.by_platform_id(inv.ctx.db.reader, inv.ctx.guild_id, inv.actor.platform_id)
        if member is not None:
            text += "\n" + _settings_line(inv, member)
    if inv.options.get("network") is not None and network.is_network(inv.ctx):  # « réseau oui »: say it took
        text += "\n" + inv.t("profiles.show.network_on" if inv.options["network"] else "profiles.show.network_off",
                             network=neutralize(network.network_name(inv.ctx)))
    return ok(text, data)


SETTINGS = ("timezone", "quiet_hours", "available", "godparent", "nudges", "visible")


def _settings_line(inv: Invocation, m: Member) -> str:
    quiet = (inv.t("profiles.show.quiet_range", start=m.quiet_start, end=m.quiet_end)
             if m.quiet_start is not None else inv.t("profiles.none"))
    return inv.t("profiles.show.settings", timezone=m.timezone or inv.t("profiles.none"), quiet=quiet,
                 available=_yes_no(inv, m.available), godparent=_yes_no(inv, m.godparent_volunteer),
                 nudges=_yes_no(inv, m.nudges), visible=_yes_no(inv, m.visible))


def render_profile(inv: Invocation, view: ProfileView) -> str:
    m = view.member
    lines = [
        inv.t("profiles.show.title", member=neutralize(m.handle)),
        inv.t("profiles.show.skills", skills=_list(inv, view.skills)),
        inv.t("profiles.show.needs", needs=_list(inv, view.needs)),
        inv.t("profiles.show.languages", languages=_list(inv, m.language_list)),
        inv.t("profiles.show.helped", count=view.helped),
    ]
    if view.community is not None:  # another community's member: what they share with the network, no needs
        lines[2] = inv.t("profiles.show.shared_from", community=neutralize(network.community_name(view.community)))
    if m.bio:
        lines.append(inv.t("profiles.show.bio", bio=neutralize(m.bio)))
    if view.godparent:
        lines.append(inv.t("profiles.show.godparent", godparent=neutralize(view.godparent)))
    if view.full:
        lines.append(_settings_line(inv, m))
    if view.network is not None:
        lines.append(inv.t("profiles.show.network_on" if view.network else "profiles.show.network_off",
                           network=neutralize(network.network_name(inv.ctx))))
    return "\n".join(lines)


@command("profile show", Option("member", "member", max_len=100))
async def profile_show(inv: Invocation) -> Reply:
    view = await profiles.show_profile(inv.ctx, inv.member, inv.is_animator, inv.options.get("member"))
    return ok(render_profile(inv, view), view.data())


@command("directory", Option("skill", "text", required=True, max_len=100), Option("network", "bool"))
async def directory(inv: Invocation) -> Reply:
    skill = inv.options["skill"]
    if inv.options.get("network"):
        return await _network_directory(inv, skill)
    members = await profiles.find_in_directory(inv.ctx, skill)
    if not members:
        return ok(inv.t("profiles.directory.empty", skill=neutralize(skill)), {"members": []})
    page = paged([neutralize(name) for name, _ref in members], inv.page, DIRECTORY_PAGE)
    text = inv.t("profiles.directory.found", skill=neutralize(skill), count=len(members),
                 members=", ".join(page.items))
    return page_reply(inv, "directory", page, text, {"members": [ref for _name, ref in members]})


async def _network_directory(inv: Invocation, skill: str) -> Reply:
    """Members of every community who share their profile with the network, each with their community."""
    found = await network.find_in_network(inv.ctx, skill)
    data = {"members": [f.platform_id for f in found], "network": [f.data() for f in found]}
    if not found:
        return ok(inv.t("network_shared.directory.empty", skill=neutralize(skill)), data)
    entries = []
    for f in found:  # the network profile the member shares: places, skills, languages, bio
        lines = [inv.t("network_shared.directory.line", member=neutralize(f.handle),
                       community=neutralize(f.community_name), communities=neutralize(", ".join(f.communities)))]
        lines.append("  " + inv.t("profiles.show.skills", skills=_list(inv, list(f.skills))))
        if f.languages:
            lines.append("  " + inv.t("profiles.show.languages", languages=_list(inv, list(f.languages))))
        if f.bio:  # on one line, whole: a long directory is paged, never cut
            lines.append("  " + inv.t("profiles.show.bio", bio=neutralize(" ".join(f.bio.split()))))
        entries.append("\n".join(lines))
    page = paged(entries, inv.page, NETWORK_DIRECTORY_PAGE)
    text = inv.t("network_shared.directory.found", skill=neutralize(skill), count=len(found))
    return page_reply(inv, "directory", page, text + "\n" + "\n".join(page.items), data)


@command("skills")
async def skills(inv: Invocation) -> Reply:
    counts = await profiles.list_skills(inv.ctx)
    data = {"skills": [{"skill": c.skill, "offered": c.offered, "needed": c.needed} for c in counts]}
    if not counts:
        return ok(inv.t("profiles.skills.empty"), data)
    lines = [inv.t("profiles.skills.line", skill=neutralize(c.skill), offered=c.offered, needed=c.needed)
             for c in counts]
    page = paged(lines, inv.page, SKILLS_PAGE)
    return page_reply(inv, "skills", page, "\n".join([inv.t("profiles.skills.title", count=len(counts)), *page.items]),
                      data)
