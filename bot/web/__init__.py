"""The animators' web dashboard, served by the bot process (aiohttp, server-rendered, inline SVG)."""
