"""`entraide simulate`: how well help requests find helpers, on a synthetic community, through the
real services on the simulated clock, next to simple baselines fed the same arrivals and answers.

- shape.py: the community's counts (sizes, popularity, languages, zones, quiet hours...), or a
  copy of a real community's counts (never personal data);
- population.py: the seeded members and the weeks' timeline (requests, joins, leaves);
- response.py: the helper response model (fatigue, night, language, responsiveness spread);
- engine_run.py: the timeline played through the bot's Engine (real services, jobs, outbox);
- baselines.py: broadcast, random-k and fixed top-k on the same timeline and model;
- report.py: the measures and the comparison table.
"""
