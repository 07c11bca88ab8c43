"""The network the tests write as TOML: issue 22's three places (two Discord servers, one Signal group)
under `[network]`, written once here so that a test says only what it changes."""
from __future__ import annotations

from collections.abc import Mapping

NETWORK_NAME = "Réseau des tiers-lieux"
LILAS_GUILD = "111111111111111111"
OURS_GUILD = "222222222222222222"
QUAI_GROUP = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG="
PLACES = {  # id → (name, the line binding it to its platform)
    "lilas": ("Les Lilas", f'guild_id = "{LILAS_GUILD}"'),
    "ours": ("La Tanière", f'guild_id = "{OURS_GUILD}"'),
    "quai": ("Le Quai", f'group = "{QUAI_GROUP}"'),
}


def network_toml(*places: str, name: str = NETWORK_NAME, network: str = "",
                 bound: Mapping[str, str] | None = None, **more: str) -> str:
    """`[network]` (its `name`, then the `network` lines) and one `[[communities]]` entry for each of
    `places` (all three by default): id, name, its binding (`bound[id]` instead; "" for none), then the
    `more[id]` lines."""
    text = f'\n[network]\nname = "{name}"\n' + (network.strip() + "\n" if network.strip() else "")
    for place in places or tuple(PLACES):
        title, binding = PLACES[place]
        binding = (bound or {}).get(place, binding)
        lines = [f'id = "{place}"', f'name = "{title}"', binding, more.get(place, "").strip()]
        text += "\n[[communities]]\n" + "".join(line + "\n" for line in lines if line)
    return text
