"""The `paperdigest` command: parses arguments and calls the library, nothing more.

Imports of the library happen inside the commands: `--help`, `--version`, `info` and `digest`
never load jieba, numpy or Telegram (see benchmarks/startup.py). The global options `--db`,
`--config` and `-v` are accepted before or after the subcommand.

Exit codes: 0 done; 1 failed (a file refused, no paper on that date, an empty database, a
config or database error); 2 usage error (unknown option, bad date, unknown county or topic,
a missing folder).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import date as Date
from datetime import datetime
from functools import cached_property, update_wrapper
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    import sqlite_utils

    from digest.configfiles import SettingsSource
    from digest.models import Article, Digest, Page
    from digest.pipeline import Pipeline
    from digest.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])
META = "paperdigest.global"


def __getattr__(name: str) -> Any:
    """`digest.cli.Pipeline` without importing it at start (tests patch `Pipeline.build` through it)."""
    if name == "Pipeline":
        from digest.pipeline import Pipeline

        return Pipeline
    raise AttributeError(name)


class Context:
    """Settings and the pipeline, loaded only when a command needs them (jieba takes ~0.6 s).

    Built before the subcommand's own options are parsed; it reads the global options (given
    before or after the subcommand) only when first asked, by then all are known.
    """

    def __init__(self, given: dict[str, Any]) -> None:
        self._given = given
        self._pipeline: Pipeline | None = None

    @cached_property
    def source(self) -> SettingsSource:
        from digest.configfiles import find_settings

        return find_settings(self._given.get("config"))

    @cached_property
    def settings(self) -> Settings:
        from digest.settings import ConfigError, load_settings

        try:
            return load_settings(self.source.path)
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from exc

    @property
    def db_option(self) -> str | None:
        return self._given.get("db")

    @property
    def config_path(self) -> Path:
        """The settings file in use (sources.toml is looked for beside it)."""
        return self.source.path

    @property
    def pipeline(self) -> Pipeline:
        if self._pipeline is None:
            from digest.pipeline import Pipeline
            from digest.settings import ConfigError

            try:
                self._pipeline = Pipeline.build(self.settings)
            except ConfigError as exc:
                raise click.ClickException(str(exc)) from exc
        return self._pipeline

    def db_path(self) -> tuple[Path, str]:
        """The database file and where that choice came from; a named file's folder must exist.

        Only the per-user default folder is created: a typo in --db is an error, not a new folder.
        """
        if self.db_option:
            origin = "--db"
        elif os.environ.get("PAPERDIGEST_DB"):
            origin = "$PAPERDIGEST_DB"
        elif self.settings.db:
            origin = f"[store] db in {self.source.path}"
        else:
            origin = "per-user data folder"
        path = self.settings.db_path(self.db_option)
        if origin != "per-user data folder" and str(path) != ":memory:" and not path.parent.is_dir():
            raise click.ClickException(f"{path}: folder {path.parent} does not exist (database from {origin})")
        return path, origin

    def db(self, path: str | Path | None = None) -> sqlite_utils.Database:
        """The database, its search index rebuilt first if another dictionary made it (digest/reindex.py)."""
        from digest import reindex, store
        from digest.dictionary import index_fingerprint

        db = store.connect(path or self.db_path()[0])
        reindex.ensure_index(db, index_fingerprint(self.settings), lambda: self.pipeline.segmenter)
        return db

    def today(self) -> Date:
        from zoneinfo import ZoneInfo

        return datetime.now(ZoneInfo(self.settings.timezone)).date()


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """Keep a global option given before or after the subcommand (the later one wins)."""
    if value not in (None, False) and param.name:
        ctx.find_root().meta.setdefault(META, {})[param.name] = value
    return value


def global_options(f: F) -> F:
    """--config, --db and -v, on the group and on every subcommand."""
    options = [
        click.option("--config", metavar="PATH", expose_value=False, callback=_remember,
                     help="Settings TOML or its folder (default: $PAPERDIGEST_CONFIG, then the user config"
                          " folder that `paperdigest init` writes, then the shipped defaults)."),
        click.option("--db", metavar="PATH", expose_value=False, callback=_remember,
                     help="SQLite file (default: $PAPERDIGEST_DB, then [store] db, then the user data folder)."),
        click.option("-v", "--verbose", is_flag=True, default=None, expose_value=False, callback=_remember,
                     help="Log progress to stderr."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def pass_context(f: F) -> F:
    """Give the command the Context, built once all global options (wherever they were) are known."""

    @click.pass_context
    def wrapper(ctx: click.Context, /, *args: Any, **kwargs: Any) -> Any:
        return ctx.invoke(f, _context(ctx), *args, **kwargs)

    return update_wrapper(wrapper, f)  # type: ignore[return-value]


def _context(ctx: click.Context) -> Context:
    """The one Context of this run; logging is set up once -v (wherever it was) is known."""
    root = ctx.find_root()
    if root.obj is None:
        root.obj = Context(root.meta.setdefault(META, {}))
    if not root.meta.get("paperdigest.logging"):
        import logging

        root.meta["paperdigest.logging"] = True
        logging.basicConfig(level=logging.INFO if root.meta[META].get("verbose") else logging.WARNING,
                            format="%(levelname)s %(name)s: %(message)s")
    context: Context = root.obj
    return context


def command(name: str | None = None, **settings: Any) -> Callable[[F], click.Command]:
    """A subcommand of `paperdigest` that also takes the global options."""

    def decorate(f: F) -> click.Command:
        return cli.command(name=name, **settings)(global_options(f))

    return decorate


@click.group()
@global_options
@click.version_option(package_name="paperdigest")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Turn 聊城日报's e-paper pages into a searchable archive and a daily digest.

    Global options (--db, --config, -v) go before or after the command.
    """
    # For command groups of other modules that take `click.pass_obj` (paperdigest outbox ...).
    ctx.obj = Context(ctx.meta.setdefault(META, {}))


def _valid_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return Date.fromisoformat(value).isoformat()
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date like 2026-11-20") from exc


@command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["jsonl", "text"]), default="text", show_default=True)
@pass_context
def parse(obj: Context, files: tuple[Path, ...], fmt: str) -> None:
    """Split page files into articles and print them (nothing is stored)."""
    import json

    from digest.sources.textfile import PageError

    failed = False
    for path in files:
        try:
            pages = _read_pages(obj, path)
        except PageError as exc:
            click.echo(f"error: {exc}", err=True)
            failed = True
            continue
        for number, page in pages:
            where = f" page {number}" if number else ""
            click.echo(f"{page.file}:{where} {len(page.articles)} articles ({page.encoding})", err=True)
            for a in page.articles:
                if fmt == "jsonl":
                    row = _article_json(page.file, a)
                    click.echo(json.dumps(row | {"page": number} if number else row, ensure_ascii=False))
                else:
                    click.echo(f"[{a.kind}] {a.headline or a.display_title}  ·  {a.county} · {a.topic}"
                               f"  ·  {'、'.join(a.reporters)}\n    {a.summary}\n")
    if failed:
        sys.exit(1)


def _read_pages(obj: Context, path: Path | str) -> list[tuple[int, Page]]:
    """A text page as (0, page); a PDF as each of its pages with its number."""
    from digest import ingest
    from digest.sources.pdf import is_pdf, read_pdf
    from digest.sources.textfile import read_page

    if is_pdf(path):
        return ingest.pdf_pages(obj.pipeline, read_pdf(path, obj.settings.ingest))
    return [(0, obj.pipeline.process(read_page(path, obj.settings.ingest.max_file_bytes)))]


def _article_json(file: str, a: Article) -> dict[str, object]:
    return {
        "file": file, "kind": a.kind, "kicker": a.kicker, "title": a.title, "subtitle": a.subtitle,
        "display_title": a.display_title, "reporters": list(a.reporters), "county": a.county,
        "counties": list(a.counties), "topic": a.topic, "topics": list(a.topics), "summary": a.summary,
        "body": a.body,
    }


@command(name="ingest")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--date", "day", callback=_valid_date,
              help="Issue date, YYYY-MM-DD (default: the date in each file's name, 2024-11-06 or 20241106).")
@click.option("--paper", help="Paper name (default: from config).")
@click.option("--page", type=click.IntRange(min=1), help="Page number of the one file given (default: from its name).")
@click.option("--replace", is_flag=True, help="Replace a stored page whose text differs (else that is an error).")
@pass_context
def ingest_command(obj: Context, files: tuple[Path, ...], day: str | None, paper: str | None, page: int | None,
                   replace: bool) -> None:
    """Store page files. The same page twice changes nothing; other text for a stored page needs --replace."""
    from digest.dates import date_in_name
    from digest.sources.pdf import is_pdf

    if page is not None and len(files) != 1:
        raise click.UsageError(f"--page numbers one file; {len(files)} were given (name them like 2024-11-06_03.txt)")
    # A PDF with no date given or in its name is dated by its page headers (checked there).
    by_header = [f for f in files if not (day or date_in_name(f.name)) and is_pdf(f)]
    dated: dict[str, list[Path]] = {"": by_header} if by_header else {}
    undated = [f for f in files if not (day or date_in_name(f.name) or is_pdf(f))]
    for f in undated:
        click.echo(f"error: {f.name}: no date: give --date YYYY-MM-DD or put it in the name (2024-11-06_01.txt)",
                   err=True)
    for f in files:
        when = day or date_in_name(f.name)
        if when:
            dated.setdefault(when, []).append(f)
    failed = bool(undated)
    if dated:
        failed |= _ingest_dated(obj, dated, paper or obj.settings.paper, page, replace)
    if failed:
        sys.exit(1)


def _ingest_dated(obj: Context, dated: dict[str, list[Path]], paper: str, page: int | None, replace: bool) -> bool:
    """Ingest files grouped by date, one line each; True when any failed."""
    from digest import ingest

    db, pipeline = obj.db(), obj.pipeline
    count = sum(len(group) for group in dated.values())
    show_bar = sys.stderr.isatty() and count > 1
    failed = False
    try:
        with click.progressbar(length=count, label="ingesting", file=sys.stderr if show_bar else None,
                               hidden=not show_bar) as bar:
            for day, group in dated.items():
                outcomes = ingest.ingest_files(db, pipeline, group, paper=paper, date=day, page=page,
                                               replace=replace, on_done=lambda _: bar.update(1),
                                               date_from_header=not day)
                for o in outcomes:
                    if o.ok:
                        counties = "、".join(f"{c} {n}" for c, n in o.counties.items())
                        click.echo(f"{_outcome_line(o, day)} ({o.encoding}) {counties}")
                    else:
                        click.echo(f"error: {o.file}: {o.error}", err=True)
                        failed = True
    finally:
        db.close()
    return failed


def _outcome_line(o: Any, day: str) -> str:
    """`FILE: DATE page N, status, K articles`; a PDF issue names all its pages."""
    pages = f"pages {', '.join(map(str, o.pages))}" if len(o.pages) > 1 else f"page {o.page}"
    return f"{o.file}: {o.date or day} {pages}, {o.status}, {o.articles} articles"


@command(name="search", context_settings={"ignore_unknown_options": True})
@click.argument("words", nargs=-1, required=True)
@click.option("--days", type=click.IntRange(min=0), help="Only the last N days.")
@click.option("--limit", type=click.IntRange(1, 100), default=10, show_default=True)
@pass_context
def search_command(obj: Context, words: tuple[str, ...], days: int | None, limit: int) -> None:
    """Search the archive: words, "a phrase", -excluded; best matches first."""
    from digest import search

    db = obj.db()
    try:
        # A lazy tokenizer: a query needs a few dozen dictionary look-ups, not the whole dictionary loaded.
        from digest.dictionary import load_segmenter

        segmenter = load_segmenter(obj.settings, lazy=True)
        results = search.search(db, segmenter, " ".join(words), days=days, today=obj.today(), limit=limit)
        empty = not results and not db.execute("SELECT 1 FROM articles LIMIT 1").fetchone()
    except search.QueryError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        db.close()
    if empty:
        raise click.ClickException(f"{obj.db_path()[0]}: no articles stored yet (paperdigest ingest FILE ...)")
    if not results:
        click.echo(f"no article matches {' '.join(words)}: try fewer or shorter words", err=True)
    for r in results:
        a = r.article
        click.echo(f"{r.date} · {a.county or '—'} · [{r.id}] {a.display_title}\n    {a.summary}")


@command(name="reindex")
@pass_context
def reindex_command(obj: Context) -> None:
    """Rebuild the search index with the current dictionary (done by itself when the dictionary changes)."""
    from digest import reindex, store

    db = store.connect(obj.db_path()[0])
    try:
        count = reindex.reindex(db, obj.pipeline.segmenter)
    finally:
        db.close()
    click.echo(f"reindexed {count} articles")


@command(name="digest")
@click.option("--date", "day", callback=_valid_date, help="Issue date (default: the latest stored).")
@click.option("--county", "counties", multiple=True, help="Only this county (repeatable; 高唐 means 高唐县).")
@click.option("--topic", "topics", multiple=True, help="Only this topic (repeatable; 体育 means 体育赛事).")
@click.option("--paper", help="Paper name (default: from config).")
@pass_context
def digest_command(obj: Context, day: str | None, counties: tuple[str, ...], topics: tuple[str, ...],
                   paper: str | None) -> None:
    """Print a day's digest, by county then topic."""
    from digest import compose, store

    paper = paper or obj.settings.paper
    counties, topics = _checked_filters(obj, counties, topics)
    db = obj.db()
    try:
        latest = store.latest_date(db, paper)
        if latest is None:
            raise click.ClickException(f"{obj.db_path()[0]}: no articles of {paper} stored yet"
                                       " (paperdigest ingest FILE --date YYYY-MM-DD)")
        day = day or latest
        stored = store.articles_on(db, day, paper)
    finally:
        db.close()
    if not stored:
        raise click.ClickException(f"no paper stored for {day} (latest: {latest})")
    digest = _compose(obj, stored, paper, day, counties, topics)
    click.echo(compose.render_text(digest))
    if (counties or topics) and not digest.count:
        wanted = " · ".join(("、".join(counties) or "all counties", "、".join(topics) or "all topics"))
        click.echo(f"nothing on {day} for {wanted} ({len(stored)} articles that day)", err=True)


def _checked_filters(obj: Context, counties: tuple[str, ...], topics: tuple[str, ...]
                     ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Canonical county and topic names; an unknown one is a usage error listing the valid ones."""
    if not counties and not topics:
        return counties, topics
    from digest.choices import UnknownChoice, resolve_counties, resolve_topics
    from digest.compose import OTHER
    from digest.region import load_region
    from digest.topics import load_taxonomy

    try:
        if counties:
            counties = resolve_counties(load_region(obj.settings.region_path), counties)
        if topics:
            topics = resolve_topics((*load_taxonomy(obj.settings.topics_path).names, OTHER), topics)
    except UnknownChoice as exc:
        raise click.BadParameter(str(exc), param_hint="--county" if "county" in str(exc) else "--topic") from exc
    return counties, topics


def _compose(obj: Context, stored: list[Any], paper: str, day: str, counties: tuple[str, ...] = (),
             topics: tuple[str, ...] = ()) -> Digest:
    from digest import compose

    return compose.compose_digest(stored, paper=paper, date=day, county_order=obj.settings.county_order,
                                  counties=set(counties), topics=set(topics))


@command(name="explain")
@click.argument("target")
@pass_context
def explain_command(obj: Context, target: str) -> None:
    """Show why each article got its county and topic (a page file, or a stored article id)."""
    from digest import explain, store
    from digest.sources.textfile import PageError

    pipeline = obj.pipeline
    if target.isdigit() and not Path(target).exists():
        db = obj.db()
        try:
            stored = store.get_article(db, int(target))
        finally:
            db.close()
        if stored is None:
            raise click.ClickException(f"no article with id {target}")
        articles = [stored.article]
    else:
        try:
            articles = [a for _, page in _read_pages(obj, target) for a in page.articles]
        except PageError as exc:
            raise click.ClickException(str(exc)) from exc
    for a in articles:
        click.echo(explain.explain(a, pipeline.tagger.tag(a), pipeline.tagger.taxonomy))
        click.echo()


@command()
@click.option("--samples", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Folder of page files named YYYY-MM-DD_NN.txt (default: the bundled samples).")
@pass_context
def demo(obj: Context, samples: Path | None) -> None:
    """Ingest the sample pages into paperdigest-demo.db (or --db), print the latest digest and one search."""
    from digest import ingest, search, store
    from digest.configfiles import bundled_samples_dir
    from digest.dates import date_in_name

    db_path = Path(obj.db_option or "paperdigest-demo.db")
    db = obj.db(db_path)
    try:
        pipeline = obj.pipeline
        by_date: dict[str, list[Path]] = {}
        folder = samples or bundled_samples_dir()
        for f in sorted([*folder.glob("*.txt"), *folder.glob("*.pdf")]):
            day = date_in_name(f.name)
            if day:
                by_date.setdefault(day, []).append(f)
        for day, group in by_date.items():
            for o in ingest.ingest_files(db, pipeline, group, paper=obj.settings.paper, date=day):
                click.echo(_outcome_line(o, day) if o.ok else f"error: {o.file}: {o.error}")
        if not by_date:
            raise click.ClickException("no sample pages named YYYY-MM-DD_NN.txt found")
        latest = max(by_date)
        click.echo()
        from digest import compose

        stored = store.articles_on(db, latest, obj.settings.paper)
        click.echo(compose.render_text(_compose(obj, stored, obj.settings.paper, latest)))
        click.echo("\n$ paperdigest search 光伏")
        for r in search.search(db, pipeline.segmenter, "光伏", limit=3):
            click.echo(f"{r.date} · {r.article.county} · [{r.id}] {r.article.display_title}\n"
                       f"    {r.article.summary}")
    finally:
        db.close()
    click.echo(f"\n(database: {db_path.resolve()}; try: paperdigest --db {db_path} search 光伏)")


@command(name="inbox")
@click.argument("folder", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--batch", type=click.IntRange(1, 1000), default=50, show_default=True,
              help="Files stored per write transaction (a bulk load commits once a batch).")
@pass_context
def inbox_command(obj: Context, folder: Path | None, batch: int) -> None:
    """Ingest the page files waiting in the inbox folder (default: [ingest] inbox), then file them away.

    A file's date comes from its name (2024-11-06_01.txt); a file without one is filed under today.
    """
    from digest import inbox

    folder = folder or (Path(obj.settings.ingest.inbox) if obj.settings.ingest.inbox else None)
    if folder is None:
        raise click.UsageError("no inbox folder: give one, or set [ingest] inbox in the settings")
    if not folder.is_dir():
        raise click.UsageError(f"inbox folder {folder} does not exist ([ingest] inbox in {obj.source.path})")
    waiting = len(inbox.pending_files(folder))
    show_bar = sys.stderr.isatty() and waiting > 1
    db = obj.db()
    try:
        with click.progressbar(length=waiting, label="ingesting", file=sys.stderr if show_bar else None,
                               hidden=not show_bar) as bar:
            results = inbox.ingest_inbox(db, obj.pipeline, folder, paper=obj.settings.paper,
                                         today=obj.today().isoformat(), batch=batch,
                                         on_done=lambda _: bar.update(1))
    finally:
        db.close()
    for r in results:
        o = r.outcome
        line = f"{o.file}: {r.date} page {o.page}, {o.status}, {o.articles} articles" if o.ok else \
            f"error: {o.file}: {o.error}"
        click.echo(line, err=not o.ok)
    if not results:
        click.echo(f"{folder}: no page files waiting")
    if not all(r.outcome.ok for r in results):
        sys.exit(1)


@command(name="fetch")
@click.option("--date", "day", callback=_valid_date, help="Issue date, YYYY-MM-DD (default: today).")
@click.option("--source", "names", multiple=True, help="Only this configured source (repeatable).")
@click.option("--kind", type=click.Choice(["founder", "feed"]), help="Fetch one source given here, not from config.")
@click.option("--url", help="With --kind: an issue's entry page (…/node_01.html), a site's base URL, or a feed.")
@click.option("--paper", help="With --kind: the paper to store it as (default: from config; a feed: feed@HOST).")
@click.option("--sources", "sources_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Sources TOML (default: $PAPERDIGEST_SOURCES, else sources.toml beside the settings).")
@pass_context
def fetch_command(obj: Context, day: str | None, names: tuple[str, ...], kind: str | None, url: str | None,
                  paper: str | None, sources_file: Path | None) -> None:
    """Fetch a day's paper from its e-paper sites and feeds, and store it like ingested pages."""
    from urllib.parse import urlsplit

    from digest import fetch
    from digest.settings import ConfigError
    from digest.sources import config

    when = Date.fromisoformat(day) if day else obj.today()
    sources_path = sources_file or config.sources_path(obj.config_path)
    try:
        if kind or url:
            if not (kind and url):
                raise click.UsageError("--kind and --url go together")
            # A feed's entries are numbered pages 1, 2, 3 ... of its paper: by default a paper of its own.
            default = obj.settings.paper if kind == "founder" else f"feed@{urlsplit(url).hostname or url}"
            sources = [config.adhoc_source(kind, url, paper=paper or default, path=sources_path)]
        else:
            configured = config.load_sources(sources_path)
            sources = [configured.get(n) for n in names] if names else list(configured.enabled)
            if not sources:
                raise click.ClickException(f"no sources configured in {configured.path}; or give --kind and --url")
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    db = obj.db()
    pipeline = obj.pipeline

    def show(o: fetch.PageOutcome) -> None:
        click.echo(fetch.describe(o) if o.ok else f"error: {fetch.describe(o)}", err=not o.ok)
        for note in o.notes:
            click.echo(f"warning: {o.source} {o.date} page {o.page} {o.key}: {note}", err=True)

    try:
        if kind:
            reports = [fetch.fetch_source(db, pipeline, sources[0], when, on_page=show)]
        else:
            reports = fetch.fetch_sources(db, pipeline, sources, when, on_page=show)
    finally:
        db.close()
    for r in reports:
        if r.error:
            click.echo(f"error: {r.source} {r.date}: {r.error}", err=True)
    click.echo(fetch.total_line(reports))
    if not all(r.ok for r in reports):
        sys.exit(1)


@command()
@pass_context
def run(obj: Context) -> None:
    """Run the Telegram bot (long polling); the token comes from $TELEGRAM_BOT_TOKEN."""
    from bot.app import run_bot  # Telegram is loaded only for the bot's commands
    from bot.lifecycle import BotStopped
    from digest.settings import ConfigError

    try:
        run_bot(obj.settings, obj.db_path()[0])
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    except BotStopped as exc:  # one line, never the token; the status says why (README)
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)


@command()
@click.option("--admin", is_flag=True, help="Be an admin: upload pages, edit topics, see statistics.")
@pass_context
def chat(obj: Context, admin: bool) -> None:
    """Talk to the bot in this terminal, as one local user: no token, no network.

    It works on a copy of the database, so nothing done here (subscribing, uploads) reaches the
    real bot; give --db to work on a file directly.
    """
    import tempfile

    from bot.chat import run_chat
    from digest.chatdb import copy_database

    if obj.db_option:
        run_chat(obj.settings, obj.db_path()[0], admin=admin, input=sys.stdin, output=sys.stdout)
        return
    source = obj.db_path()[0]
    with tempfile.TemporaryDirectory(prefix="paperdigest-chat-") as scratch:
        copy = Path(scratch) / "chat.db"
        copied = copy_database(source, copy)
        click.echo(f"(chat works on a copy of {source}; nothing done here reaches it)" if copied
                   else f"(chat works on an empty database: {source} does not exist yet)", err=True)
        run_chat(obj.settings, copy, admin=admin, input=sys.stdin, output=sys.stdout)


@command()
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite config files already there.")
def init(folder: Path | None, force: bool) -> None:
    """Write an editable config folder (settings, region, topics ...); default: the user config folder."""
    from digest.configfiles import InitError, init_config, user_config_dir

    target = folder or user_config_dir()
    try:
        written = init_config(target, force=force)
    except InitError as exc:
        raise click.ClickException(str(exc)) from exc
    for path in written:
        click.echo(f"wrote {path}")
    settings = target / "settings.toml"
    if folder is None:
        click.echo(f"paperdigest reads {settings} from now on (unless --config or $PAPERDIGEST_CONFIG say otherwise)")
    else:
        click.echo(f"use it with: paperdigest --config {settings} ...  or  export PAPERDIGEST_CONFIG={settings}")


@command()
@pass_context
def info(obj: Context) -> None:
    """Show the version, the config and database in use, the inbox, and what is stored."""
    from digest.info import describe

    path, origin = obj.db_path()
    for label, value in describe(obj.settings, obj.source, path, origin):
        click.echo(f"{label + ':' if label else '':<13}{value}")


def _add_outbox_group() -> None:
    """`paperdigest outbox ...` lives in its own module (imports only click and digest.outbox)."""
    from digest.outbox_cli import outbox_group

    cli.add_command(outbox_group)


_add_outbox_group()


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
