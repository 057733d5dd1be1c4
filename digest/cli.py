"""The `paperdigest` command: parses arguments and calls the library, nothing more."""

from __future__ import annotations

import json
import logging
import sys
from datetime import date as Date
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import click
import sqlite_utils

from digest import compose, explain, inbox, ingest, search, store
from digest.models import Article, Digest, Page
from digest.pipeline import Pipeline
from digest.settings import ConfigError, Settings, load_settings
from digest.sources.pdf import is_pdf, read_pdf
from digest.sources.textfile import PageError, read_page

SAMPLES_DIR = Path(__file__).resolve().parent.parent / "samples"


class Context:
    """Settings and the pipeline, loaded only when a command needs them (jieba takes ~0.6 s)."""

    def __init__(self, config: str | None, db: str | None) -> None:
        try:
            self.settings: Settings = load_settings(config)
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from exc
        self.db_option = db
        self.config_path = config
        self._pipeline: Pipeline | None = None

    @property
    def pipeline(self) -> Pipeline:
        if self._pipeline is None:
            try:
                self._pipeline = Pipeline.build(self.settings)
            except ConfigError as exc:
                raise click.ClickException(str(exc)) from exc
        return self._pipeline

    def db(self, path: str | None = None) -> sqlite_utils.Database:
        """The database, its search index rebuilt first if another dictionary made it (digest/reindex.py)."""
        from digest import reindex
        from digest.dictionary import index_fingerprint

        db = store.connect(self.settings.db_path(path or self.db_option))
        reindex.ensure_index(db, index_fingerprint(self.settings), lambda: self.pipeline.segmenter)
        return db

    def today(self) -> Date:
        return datetime.now(ZoneInfo(self.settings.timezone)).date()


pass_context = click.make_pass_decorator(Context)


@click.group()
@click.option("--config", envvar="PAPERDIGEST_CONFIG", help="Settings TOML (default: config/settings.toml).")
@click.option("--db", help="SQLite file (default: $PAPERDIGEST_DB, then config, then the user data folder).")
@click.option("-v", "--verbose", is_flag=True, help="Log progress to stderr.")
@click.version_option(package_name="paperdigest")
@click.pass_context
def cli(ctx: click.Context, config: str | None, db: str | None, verbose: bool) -> None:
    """Turn 聊城日报's e-paper pages into a searchable archive and a daily digest."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    ctx.obj = Context(config, db)


def _valid_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return Date.fromisoformat(value).isoformat()
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date like 2026-11-20") from exc


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["jsonl", "text"]), default="text", show_default=True)
@pass_context
def parse(obj: Context, files: tuple[Path, ...], fmt: str) -> None:
    """Split page files into articles and print them (nothing is stored)."""
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


@cli.command(name="ingest")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--date", "day", callback=_valid_date, help="Issue date, YYYY-MM-DD (default: today).")
@click.option("--paper", help="Paper name (default: from config).")
@click.option("--page", type=int, help="Page number, when a single file is given.")
@pass_context
def ingest_command(obj: Context, files: tuple[Path, ...], day: str | None, paper: str | None, page: int | None) -> None:
    """Store page files: same page twice changes nothing, a corrected page replaces its articles."""
    db = obj.db()
    paper = paper or obj.settings.paper
    pipeline = obj.pipeline
    show_bar = sys.stderr.isatty() and len(files) > 1
    with click.progressbar(length=len(files), label="ingesting", file=sys.stderr if show_bar else None,
                           hidden=not show_bar) as bar:
        outcomes = ingest.ingest_files(db, pipeline, list(files), paper=paper, date=day or obj.today().isoformat(),
                                       page=page, on_done=lambda _: bar.update(1), date_from_header=day is None)
    for o in outcomes:
        if o.ok:
            counties = "、".join(f"{c} {n}" for c, n in o.counties.items())
            where = f"pages {', '.join(map(str, o.pages))} of {o.date}" if len(o.pages) > 1 else f"page {o.page}"
            click.echo(f"{o.file}: {where}, {o.status}, {o.articles} articles ({o.encoding}) {counties}")
        else:
            click.echo(f"error: {o.file}: {o.error}", err=True)
    if not all(o.ok for o in outcomes):
        sys.exit(1)


@cli.command(name="search", context_settings={"ignore_unknown_options": True})
@click.argument("words", nargs=-1, required=True)
@click.option("--days", type=click.IntRange(min=0), help="Only the last N days.")
@click.option("--limit", type=click.IntRange(1, 100), default=10, show_default=True)
@pass_context
def search_command(obj: Context, words: tuple[str, ...], days: int | None, limit: int) -> None:
    """Search the archive: words, "a phrase", -excluded; best matches first."""
    db = obj.db()
    try:
        # A lazy tokenizer: a query needs a few dozen dictionary look-ups, not the whole dictionary loaded.
        from digest.dictionary import load_segmenter

        segmenter = load_segmenter(obj.settings, lazy=True)
        results = search.search(db, segmenter, " ".join(words), days=days, today=obj.today(), limit=limit)
    except search.QueryError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        db.close()
    if not results:
        click.echo("没有找到匹配的文章。试试更短或更少的关键词。")
    for r in results:
        a = r.article
        click.echo(f"{r.date} · {a.county or '—'} · [{r.id}] {a.display_title}\n    {a.summary}")


@cli.command(name="reindex")
@pass_context
def reindex_command(obj: Context) -> None:
    """Rebuild the search index with the current dictionary (done by itself when the dictionary changes)."""
    from digest import reindex

    db = store.connect(obj.settings.db_path(obj.db_option))
    try:
        count = reindex.reindex(db, obj.pipeline.segmenter)
    finally:
        db.close()
    click.echo(f"reindexed {count} articles")


@cli.command(name="digest")
@click.option("--date", "day", callback=_valid_date, help="Issue date (default: the latest stored).")
@click.option("--county", "counties", multiple=True, help="Only this county (repeatable).")
@click.option("--topic", "topics", multiple=True, help="Only this topic (repeatable).")
@click.option("--paper", help="Paper name (default: from config).")
@pass_context
def digest_command(obj: Context, day: str | None, counties: tuple[str, ...], topics: tuple[str, ...],
                   paper: str | None) -> None:
    """Print a day's digest, by county then topic."""
    db = obj.db()
    paper = paper or obj.settings.paper
    day = day or store.latest_date(db, paper) or obj.today().isoformat()
    click.echo(compose.render_text(_compose(obj, db, paper, day, counties, topics)))


def _compose(obj: Context, db: sqlite_utils.Database, paper: str, day: str, counties: tuple[str, ...] = (),
             topics: tuple[str, ...] = ()) -> Digest:
    return compose.compose_digest(
        store.articles_on(db, day, paper), paper=paper, date=day, county_order=obj.settings.county_order,
        counties=set(counties), topics=set(topics),
    )


@cli.command(name="explain")
@click.argument("target")
@pass_context
def explain_command(obj: Context, target: str) -> None:
    """Show why each article got its county and topic (a page file, or a stored article id)."""
    pipeline = obj.pipeline
    if target.isdigit() and not Path(target).exists():
        stored = store.get_article(obj.db(), int(target))
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


@cli.command()
@click.option("--samples", type=click.Path(exists=True, file_okay=False, path_type=Path), default=SAMPLES_DIR,
              show_default=True)
@click.option("--db", "db_path", default="paperdigest-demo.db", show_default=True,
              help="Where the demo keeps its database (your real one is left alone).")
@pass_context
def demo(obj: Context, samples: Path, db_path: str) -> None:
    """Ingest the bundled sample pages, print the latest day's digest and one search."""
    db = obj.db(db_path)
    pipeline = obj.pipeline
    files = sorted([*samples.glob("*.txt"), *samples.glob("*.pdf")])
    by_date: dict[str, list[Path]] = {}
    for f in files:
        by_date.setdefault(f.name[:10], []).append(f)
    for day, group in by_date.items():
        for o in ingest.ingest_files(db, pipeline, group, paper=obj.settings.paper, date=day):
            click.echo(f"ingest {day} {o.file}: {o.status}, {o.articles} articles" if o.ok
                       else f"error: {o.file}: {o.error}")
    latest = max(by_date) if by_date else obj.today().isoformat()
    click.echo()
    click.echo(compose.render_text(_compose(obj, db, obj.settings.paper, latest)))
    click.echo("\n$ paperdigest search 光伏")
    for r in search.search(db, pipeline.segmenter, "光伏", limit=3):
        click.echo(f"{r.date} · {r.article.county} · [{r.id}] {r.article.display_title}\n    {r.article.summary}")
    click.echo(f"\n(database: {Path(db_path).resolve()})")


@cli.command(name="inbox")
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--batch", type=click.IntRange(1, 1000), default=50, show_default=True,
              help="Files stored per write transaction (a bulk load commits once a batch).")
@pass_context
def inbox_command(obj: Context, folder: Path | None, batch: int) -> None:
    """Ingest the page files waiting in the inbox folder (default: [ingest] inbox), then file them away."""
    folder = folder or (Path(obj.settings.ingest.inbox) if obj.settings.ingest.inbox else None)
    if folder is None:
        raise click.ClickException("no inbox folder: give one, or set [ingest] inbox in the settings")
    waiting = len(inbox.pending_files(folder))
    show_bar = sys.stderr.isatty() and waiting > 1
    with click.progressbar(length=waiting, label="ingesting", file=sys.stderr if show_bar else None,
                           hidden=not show_bar) as bar:
        results = inbox.ingest_inbox(obj.db(), obj.pipeline, folder, paper=obj.settings.paper,
                                     today=obj.today().isoformat(), batch=batch, on_done=lambda _: bar.update(1))
    for r in results:
        o = r.outcome
        line = f"{o.file}: {r.date} page {o.page}, {o.status}, {o.articles} articles" if o.ok else \
            f"error: {o.file}: {o.error}"
        click.echo(line, err=not o.ok)
    if not results:
        click.echo(f"{folder}: no page files waiting")
    if not all(r.outcome.ok for r in results):
        sys.exit(1)


@cli.command(name="fetch")
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
    from digest import fetch
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

    if kind:
        reports = [fetch.fetch_source(db, pipeline, sources[0], when, on_page=show)]
    else:
        reports = fetch.fetch_sources(db, pipeline, sources, when, on_page=show)
    for r in reports:
        if r.error:
            click.echo(f"error: {r.source} {r.date}: {r.error}", err=True)
    click.echo(fetch.total_line(reports))
    if not all(r.ok for r in reports):
        sys.exit(1)


@cli.command()
@pass_context
def run(obj: Context) -> None:
    """Run the Telegram bot (long polling); the token comes from $TELEGRAM_BOT_TOKEN."""
    from bot.app import run_bot  # Telegram is loaded only for the bot's commands
    from bot.lifecycle import BotStopped

    try:
        run_bot(obj.settings, obj.settings.db_path(obj.db_option))
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    except BotStopped as exc:  # one line, never the token; the status says why (README)
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)


@cli.command()
@click.option("--admin", is_flag=True, help="Be an admin: upload pages, edit topics, see statistics.")
@pass_context
def chat(obj: Context, admin: bool) -> None:
    """Talk to the bot in this terminal, as one local user: no token, no network."""
    from bot.chat import run_chat

    run_chat(obj.settings, obj.settings.db_path(obj.db_option), admin=admin)


from digest.outbox_cli import outbox_group  # noqa: E402  (a command group of its own module)

cli.add_command(outbox_group)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
