"""The Discord face of entraide: the Bot class, one GroupCog per area, persistent components, delivery.

Cogs translate Discord events into Engine calls and render the Reply; every rule lives in bot/services.
"""
