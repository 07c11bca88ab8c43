"""Services own the community's rules: pure async Python on storage and a clock, no discord import."""
