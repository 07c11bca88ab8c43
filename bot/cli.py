"""`entraide run | console | demo | check-config | migrate | migrate-to | backup | export | import-profiles`
(and `simulate`)."""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sqlite3
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from bot.config import Config, ConfigError, load_config
from bot.files import FileProblem
from storage.database import DatabaseError, damaged, is_damage
from storage.postgres import redact

EXIT_USAGE = 2


def default_config_path() -> str | None:
    for candidate in ("config.toml",):
        if Path(candidate).is_file():
            return candidate
    return None


def _config(args: argparse.Namespace) -> Config:
    """The configuration given, else ./config.toml, else the defaults; says which when none was given."""
    from bot.config_check import words

    path = args.config or default_config_path()
    config = load_config(path)
    if not args.config and not getattr(args, "jsonl", False):
        key, where = ("files.config_found", path) if path else ("files.config_none", None)
        print(words().t(config.community.locale, key, path=where, cwd=os.getcwd()), file=sys.stderr)
    return config


def _config_source(args: argparse.Namespace) -> str:
    return args.config or default_config_path() or "config.toml"


def _say(config: Config, key: str, **params: object) -> str:
    from bot.config_check import words

    return words().t(config.community.locale, key, **params)


def _db_path(args: argparse.Namespace, config: Config) -> str:
    """--db, else ENTRAIDE_DATABASE_URL, else [database] url, else [database] path: a
    postgresql:// URL means PostgreSQL, anything else an SQLite file."""
    return (args.db or os.environ.get("ENTRAIDE_DATABASE_URL", "").strip() or config.database.url
            or config.database.path)


DB_HELP = ("SQLite file or postgresql://user@host/database (default: ENTRAIDE_DATABASE_URL, "
           "then database.url, then database.path from the config)")


def _db_path_or_unknown(args: argparse.Namespace) -> str:
    return str(getattr(args, "db", None) or "(the configured database)")


def cmd_console(args: argparse.Namespace) -> int:
    from bot.run_choice import console_serves
    from bot.transports.console import run_console
    from bot.transports.console_protocol import parse_instant

    config = _config(args)
    serves = console_serves(config, args.communities)
    if args.start:
        try:
            start = parse_instant(args.start, config.community.tz)
        except Exception as exc:
            print(f"--start: {exc}", file=sys.stderr)
            return EXIT_USAGE
    else:
        start = datetime.now(config.community.tz).replace(second=0, microsecond=0)
    db = args.db or str(Path(tempfile.mkdtemp(prefix="entraide-console-")) / "console.sqlite")
    asyncio.run(run_console(config, db, start, args.jsonl, dashboard_port=args.dashboard_port, serves=serves))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """Discord, Signal, or both in one process for a network that has servers and groups
    (bot/run_choice.py: which communities, on which platforms)."""
    from bot.config_check import check_files
    from bot.network_config import is_network
    from bot.run_choice import choose

    config = _config(args)
    shards = _shards(args)
    if shards is None:
        return EXIT_USAGE
    choice = choose(config, getattr(args, "transport", None), getattr(args, "communities", None),
                    sharded=shards[0] is not None)
    serves = choice.serves if is_network(config) else None
    if "signal" in choice.platforms:
        problems = check_files(config, _config_source(args), discord=False)
        if problems:
            print("\n".join(problems), file=sys.stderr)
            return EXIT_USAGE
        from bot.transports.signal_network import network_missing

        missing = network_missing(config) if is_network(config) else config.signal.missing()
        if missing:
            both = "discord" in choice.platforms  # a network's servers and groups: Discord alone stays possible
            print(f"[signal] {missing}" + (" (or serve its Discord servers only: --transport discord)" if both
                                           else ""), file=sys.stderr)
            return EXIT_USAGE
        if choice.platforms == ("signal",):
            from bot.transports.signal_run import run_signal

            return run_signal(config, _db_path(args, config), serves=serves)
    token = os.environ.get("DISCORD_TOKEN", "").strip()
    if not token:
        print("No Discord token: create a bot at https://discord.com/developers/applications, copy its "
              "token and start again with DISCORD_TOKEN=<token> entraide run (see the README).",
              file=sys.stderr)
        return EXIT_USAGE
    problems = check_files(config, _config_source(args), discord=True)
    if problems:  # the charter, the server id: refused now rather than at the first join
        print("\n".join(problems), file=sys.stderr)
        return EXIT_USAGE
    from cogs.bot import run_bot

    return run_bot(config, _db_path(args, config), token, sync=args.sync, shard_ids=shards[0], shard_count=shards[1],
                   only=choice.only, signal="signal" in choice.platforms)


def _shards(args: argparse.Namespace) -> tuple[list[int] | None, int | None] | None:
    """--shards 0,1 --shard-count 4: both or neither; None (after saying why) when they do not fit."""
    if args.shards is None and args.shard_count is None:
        return None, None
    try:  # each number once, none left empty: "0,0" or "0,,1" is a typo, not a choice
        given = [int(x) for x in (args.shards or "").split(",")]
    except ValueError:
        given = []
    ids = sorted(set(given)) if len(set(given)) == len(given) else []
    count = args.shard_count
    if not ids or count is None or count < 1 or any(i < 0 or i >= count for i in ids):
        print("--shards takes shard numbers like 0,1 and needs --shard-count (each number below it); see "
              "docs/SCALING.md.", file=sys.stderr)
        return None
    return ids, count


def cmd_adopt(args: argparse.Namespace) -> int:
    config = _config(args)
    token = os.environ.get("DISCORD_TOKEN", "").strip()
    if not token:
        print("No Discord token: start again with DISCORD_TOKEN=<token> entraide adopt (see the README).",
              file=sys.stderr)
        return EXIT_USAGE
    from cogs.adopt import adopt_from_command_line

    return asyncio.run(adopt_from_command_line(config, _db_path(args, config), token, args.charter,
                                               community=args.community))


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    return asyncio.run(run_demo(_config(args)))


def cmd_check_config(args: argparse.Namespace) -> int:
    """The settings, then every file they name and, for Discord, the server id: each problem in one sentence."""
    from bot.config_check import check_files

    config = _config(args)
    problems = check_files(config, _config_source(args), discord=args.transport == "discord")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return EXIT_USAGE
    if config.communities:  # a network: each community named and checked, one line each
        from bot.config_check import community_lines

        print("\n".join(community_lines(config)))
        return 0
    print(_say(config, "files.check_ok", name=config.community.name, locale=config.community.locale,
               timezone=config.community.timezone))
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from storage.database import open_database

    async def migrate() -> int:
        config = _config(args)
        db = await open_database(_db_path(args, config), synchronous=config.database.synchronous)
        try:
            version = await db.schema_version()
        finally:
            await db.close()
        print(f"Database {redact(_db_path(args, config))} is at schema version {version}.")
        return 0

    return asyncio.run(migrate())


def cmd_backup(args: argparse.Namespace) -> int:
    from bot.config_check import words
    from bot.files import require_database, require_target
    from storage.database import open_database

    config = _config(args)
    source = _db_path(args, config)
    require_database(words(config.community.locale), source, _config_source(args))
    require_target(words(config.community.locale), source, args.target)

    async def backup() -> int:
        db = await open_database(source, synchronous=config.database.synchronous)
        try:
            await db.backup_to(args.target)
        finally:
            await db.close()
        print(_say(config, "files.backup_written", source=redact(source), target=args.target))
        return 0

    return asyncio.run(backup())


def cmd_migrate_to(args: argparse.Namespace) -> int:
    """Copy the SQLite database into an empty PostgreSQL one (resumable; storage/copy.py)."""
    from bot.config_check import words
    from bot.files import require_database
    from storage.copy import copy_database
    from storage.database import Database, is_url
    from storage.postgres import PgDatabase

    config = _config(args)
    source = args.db or config.database.path
    if is_url(source) or not is_url(args.url):
        print("migrate-to copies an SQLite file (--db or database.path) into postgresql://user@host/database",
              file=sys.stderr)
        return EXIT_USAGE
    require_database(words(config.community.locale), source, _config_source(args))

    async def run() -> int:
        lite = Database(source, synchronous=config.database.synchronous)
        pg = PgDatabase(args.url)
        try:
            await lite.connect()
            await lite.migrate()
            await pg.connect()
            await pg.migrate()
            counts = await copy_database(lite, pg, say=lambda line: print(line, file=sys.stderr, flush=True))
        finally:
            await pg.close()
            await lite.close()
        print(f"Copied {sum(counts.values())} rows in {len(counts)} tables from {source} to {redact(args.url)}; "
              f"every count checked. Set [database] url (or ENTRAIDE_DATABASE_URL) to it and start the bot.")
        return 0

    return asyncio.run(run())


def cmd_export(args: argparse.Namespace) -> int:
    from bot.config_check import words
    from bot.export import export_community
    from bot.files import require_database, require_target
    from bot.network_config import chosen_community

    config, key = chosen_community(_config(args), args.community)  # a network's: that community's own config
    require_database(words(config.community.locale), _db_path(args, config), _config_source(args))
    if args.output != "-":
        require_target(words(config.community.locale), _db_path(args, config), args.output)
    return asyncio.run(export_community(config, _db_path(args, config), args.output, args.guild or key))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="entraide", description="A bot that keeps mutual-aid communities alive.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, func: Callable[[argparse.Namespace], int], help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--config", help="configuration file (default: ./config.toml if present)")
        p.set_defaults(func=func)
        return p

    p = add("run", cmd_run, "run the bot on Discord (DISCORD_TOKEN from the environment) or Signal")
    p.add_argument("--db", help=DB_HELP)
    p.add_argument("--transport", choices=("discord", "signal"), default=None,
                   help="only discord or only signal (a signal-cli daemon, [signal] in the config); default: "
                        "discord, or for a network each community on its own platform, both in one process")
    p.add_argument("--communities", help="the network's communities this process serves, by id, e.g. lilas,quai "
                                         "(default: all; see docs/SCALING.md)")
    p.add_argument("--sync", nargs="?", const="force", default="auto", choices=("force", "guild", "global", "none"),
                   help="slash commands are registered only when they changed; --sync forces it, "
                        "--sync guild|global registers them in the server (instant) or everywhere, "
                        "removing the other's; --sync none skips it")
    p.add_argument("--shards", help="Discord shards this process holds, e.g. 0,1 (with --shard-count; PostgreSQL)")
    p.add_argument("--shard-count", type=int, help="how many shards all processes hold together")
    p = add("adopt", cmd_adopt, "make every current member of the Discord server a member (no welcome)")
    p.add_argument("--db", help=DB_HELP)
    p.add_argument("--charter", choices=("accepted", "send"), default="accepted",
                   help="accepted: counted as accepted; send: the charter is sent to everyone by DM")
    p.add_argument("--community", default=None,
                   help="in a network: the id of the community whose server is adopted (default: the first)")
    p = add("console", cmd_console, "run the bot locally against a simulated server")
    p.add_argument("--jsonl", action="store_true", help="machine mode: JSON lines in and out")
    p.add_argument("--db", help="SQLite file or postgresql:// URL (default: a temporary file)")
    p.add_argument("--start", help="simulated start time, ISO 8601 (default: now)")
    p.add_argument("--communities", help="the network's communities this console serves, by id, e.g. lilas,quai "
                                         "(default: all), as entraide run --communities")
    p.add_argument("--dashboard-port", type=int, default=None,
                   help="serve the web dashboard on this port (0: any free port), on [dashboard] host")
    add("demo", cmd_demo, "a scripted month in the life of a small community")
    p = add("check-config", cmd_check_config, "validate the configuration and the files it names, then exit")
    p.add_argument("--transport", choices=("discord", "signal", "console"), default="discord",
                   help="what it will run on: discord (default) also checks community.guild_id")
    p = add("migrate", cmd_migrate, "apply database migrations")
    p.add_argument("--db", help=DB_HELP)
    p = add("backup", cmd_backup, "copy the live database (SQLite's online backup; pg_dump for PostgreSQL)")
    p.add_argument("--db", help=DB_HELP)
    p.add_argument("target", help="where to write the backup")
    p = add("migrate-to", cmd_migrate_to, "copy the SQLite database into an empty PostgreSQL database (resumable)")
    p.add_argument("url", help="postgresql://user@host/database (empty; created by the server's administrator)")
    p.add_argument("--db", help="the SQLite file (default: database.path from the config)")
    p = add("export", cmd_export, "export the audit log and the vitality indicators as JSON")
    p.add_argument("--db", help=DB_HELP)
    p.add_argument("--community", default=None, help="in a network: the community's id (default: the first)")
    p.add_argument("--guild", default=None, help="the key the community's rows are stored under (default: "
                   "the chosen community's server or group, the configured guild, or console)")
    p.add_argument("-o", "--output", default="-", help="file to write (default: standard output)")
    from bot.simulation.cli import add_simulate_command

    add_simulate_command(add)
    try:
        from bot.importer import add_import_command

        add_import_command(add)
    except ImportError:
        pass
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    with command_logging(args):
        return _run_command(args)


@contextmanager
def command_logging(args: argparse.Namespace) -> Iterator[None]:
    """The root logger set up for the command while it runs, then put back as it was: main() also runs
    inside processes that go on (the tests, a program embedding the bot), where a handler left behind
    writes later records to a stream closed by then ("--- Logging error ---") at a level nobody asked for."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    quiet = args.command == "console" and getattr(args, "jsonl", False)
    try:
        if args.command == "run":  # what the bot does, in discord.py's own format (colours on a terminal)
            from cogs.bot import configure_logging

            configure_logging(verbose=args.verbose)
        logging.basicConfig(
            level=logging.INFO if args.verbose else (logging.ERROR if quiet else logging.WARNING),
            stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
        yield
    finally:
        for handler in [h for h in root.handlers if h not in handlers]:
            handler.flush()
            root.removeHandler(handler)
        root.setLevel(level)


def _run_command(args: argparse.Namespace) -> int:
    """The command's own work; what it cannot do becomes a sentence on stderr and an exit code."""
    try:
        return int(args.func(args) or 0)
    except (ConfigError, FileProblem) as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    except DatabaseError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except sqlite3.DatabaseError as exc:  # damage found after start-up (a page read later): one sentence
        if not is_damage(exc):
            raise
        print(str(damaged(_db_path_or_unknown(args), str(exc))), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
