"""Founder (方正) e-paper sites: an issue's entry page -> its page nodes -> their articles.

What such sites share (read from public scrapers of many of them): an entry page at a dated path
(`paper/pc/layout/202411/06/node_01.html`, old builds `html/2024-11/06/node_2.htm`) that links
every page node; each node links its articles (`content_123.html`) through `<a>` and through the
`<area>`s of the page picture's image map, and usually the page's PDF. An article page carries
its metadata in an HTML comment,
`<!--enpproperty <articleid>..</articleid><author>..</author><title>..</title><subtitle>..</subtitle>
<introtitle>..</introtitle><nodename>..</nodename> ... /enpproperty-->` (newer builds spell the
fields `<founder-title>` and so on), and its body between `<!--enpcontent-->` and
`<!--/enpcontent-->` or inside `<founder-content>`, as `<p>` paragraphs. Every link pattern is
an option of the source (config/sources.toml).

A page is all or nothing: if one of its articles cannot be read, the page's PDF is read instead
(when digest.sources.pdf can), else the page fails, is reported, and is tried again next time.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date as Date
from urllib.parse import urldefrag, urljoin, urlsplit

import lxml.html
from lxml import etree

from digest.models import Article
from digest.settings import IngestSettings
from digest.sources.config import Source
from digest.sources.fetched import FetchedPage
from digest.sources.textpage import names_in_credit, normalise_spacing
from digest.sources.webfetch import Fetcher, FetchError, decode_html

log = logging.getLogger(__name__)

_ENPPROPERTY = re.compile(r"<!--\s*enpproperty(.*?)/enpproperty\s*-->", re.S | re.I)
_ENPCONTENT = re.compile(r"<!--\s*enpcontent\s*-->", re.I)
_ENPCONTENT_END = re.compile(r"<!--\s*/enpcontent\s*-->", re.I)
_TAGS = re.compile(r"<[^>]*>")
_DATELINE = re.compile(r"^本[报報][讯訊]\s*[（(]([^）)]{0,60})[）)]\s*")
_BYLINE = re.compile(r"^(■\s*)?(本[报報])?(记者|通讯员|文/|文／|图/|图／)")
_CJK = re.compile(r"[\u4e00-\u9fff]")
# An article page is 20-60 kB; its body a few thousand characters. Past this it is not an article.
MAX_ARTICLE_CHARS = 50_000


class ArticleError(Exception):
    """An article page that is not a readable article; the message says what is missing."""


class NoText(ArticleError):
    """An article page that is fine but has no text to store: a picture, an advertisement."""


@dataclass(frozen=True)
class PageNode:
    url: str
    number: int
    key: str


@dataclass(frozen=True)
class NodeLinks:
    articles: tuple[str, ...]
    pdfs: tuple[str, ...]
    off_host: tuple[str, ...]


def _document(text: str) -> lxml.html.HtmlElement:
    try:
        return lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise ArticleError(f"not HTML: {exc}") from exc


def _hrefs(doc: lxml.html.HtmlElement, base: str) -> list[str]:
    """Every link of `<a>` and image-map `<area>`, absolute, without fragment, in document order."""
    out = []
    for element in doc.iter("a", "area"):
        href = (element.get("href") or "").strip()
        if not href or href.lower().startswith(("javascript:", "mailto:", "#")):
            continue
        out.append(urldefrag(urljoin(base, href))[0])
    return list(dict.fromkeys(out))


def _on_host(url: str, source: Source) -> bool:
    return (urlsplit(url).hostname or "").lower() in source.allowed_hosts


def page_nodes(text: str, entry_url: str, source: Source) -> list[PageNode]:
    """The issue's page nodes, numbered, the entry page included.

    Newer builds name nodes by page (`node_01` .. `node_12`): the number in the name is the page
    when the numbers run from 1 without big gaps. Older builds name them by a CMS id (`node_2.htm`
    is page 1, `node_74348.htm`), others by section (`node_A1`): then the page is the node's place
    in the entry page's list of pages.
    """
    doc = _document(text)
    pattern = re.compile(source.page_links)
    # Only nodes beside the entry page: a link to yesterday's `../05/node_01.html` is another issue.
    folder = entry_url.rsplit("/", 1)[0] + "/"
    links = [u for u in _hrefs(doc, entry_url)
             if pattern.search(urlsplit(u).path) and _on_host(u, source) and u.startswith(folder)
             and "/" not in u[len(folder):]]
    urls = list(dict.fromkeys(links if entry_url in links else [entry_url, *links]))
    keys = [urlsplit(u).path.rsplit("/", 1)[-1] for u in urls]
    found = [re.fullmatch(r"node_0*(\d{1,3})\.html?", k) for k in keys]
    numbers = [int(m.group(1)) for m in found if m]
    if len(numbers) == len(urls) and len(set(numbers)) == len(urls) and min(numbers) == 1 \
            and max(numbers) <= 2 * len(urls):
        return sorted((PageNode(u, n, k) for u, n, k in zip(urls, numbers, keys, strict=True)),
                      key=lambda node: node.number)
    return [PageNode(u, i, k) for i, (u, k) in enumerate(zip(urls, keys, strict=True), start=1)]


def node_links(text: str, node_url: str, source: Source) -> NodeLinks:
    """A page node's article links (`<a>` and `<area>`), its PDFs, and article links to other hosts."""
    doc = _document(text)
    article, pdf = re.compile(source.article_links), re.compile(source.pdf_links, re.I)
    articles: list[str] = []
    pdfs: list[str] = []
    off: list[str] = []
    for url in _hrefs(doc, node_url):
        path = urlsplit(url).path
        if article.search(path):
            (articles if _on_host(url, source) else off).append(url)
        elif pdf.search(path) and _on_host(url, source):
            pdfs.append(url)
    return NodeLinks(tuple(articles), tuple(pdfs), tuple(off))


def clean_text(fragment: str) -> str:
    """Markup out, entities decoded, spaces between Chinese characters dropped."""
    text = html.unescape(_TAGS.sub(" ", fragment)).replace("\u3000", " ").replace("\xa0", " ")
    return normalise_spacing(re.sub(r"\s+", " ", text).strip())


def _field(meta: str, name: str) -> str:
    match = re.search(rf"<(?:founder-)?{name}>(.*?)</(?:founder-)?{name}>", meta, re.S | re.I)
    return clean_text(match.group(1)) if match else ""


def _metadata(text: str) -> dict[str, str]:
    """The enpproperty comment's fields; newer builds' `<founder-x>` tags anywhere in the page too."""
    comment = _ENPPROPERTY.search(text)
    names = ("articleid", "date", "author", "title", "subtitle", "introtitle", "nodename")
    found = {name: _field(comment.group(1), name) for name in names} if comment else {}
    for name in names:
        if not found.get(name):
            match = re.search(rf"<founder-{name}[^>]*>(.*?)</founder-{name}>", text, re.S | re.I)
            found[name] = clean_text(match.group(1)) if match else ""
    return found


def _body_html(text: str, doc: lxml.html.HtmlElement) -> str | None:
    start = _ENPCONTENT.search(text)
    if start:
        ends = list(_ENPCONTENT_END.finditer(text, start.end()))
        if ends:
            return text[start.end():ends[-1].start()]
    content = doc.find(".//founder-content")
    if content is not None:
        return lxml.html.tostring(content, encoding="unicode")
    return None


def _paragraphs(body_html: str) -> list[str]:
    if not body_html.strip():
        return []
    fragment = lxml.html.fragment_fromstring(body_html, create_parent="div")
    for bad in fragment.xpath(".//script|.//style"):
        bad.drop_tree()
    ps = fragment.findall(".//p")
    if ps:
        texts = [clean_text(etree.tostring(p, encoding="unicode", method="html")) for p in ps]
    else:
        for br in fragment.iter("br"):
            br.tail = "\n" + (br.tail or "")
        texts = [clean_text(line) for line in fragment.text_content().split("\n")]
    return [t for t in texts if t]


def split_credits(paragraphs: list[str]) -> tuple[list[str], list[str]]:
    """Names from a dateline `本报讯（记者 X）` or a byline paragraph, and the body without them."""
    names: list[str] = []
    body = list(paragraphs)
    if body:
        match = _DATELINE.match(body[0])
        if match:
            names += names_in_credit(match.group(1))
            body[0] = body[0][match.end():]
    for i in (0, len(body) - 1):
        if 0 <= i < len(body) and len(body[i]) <= 40 and "。" not in body[i] and _BYLINE.match(body[i]):
            found = names_in_credit(body[i])
            if found:
                names += found
                body[i] = ""
    return names, [p for p in body if p]


@dataclass(frozen=True)
class FounderArticle:
    id: str
    url: str
    article: Article
    page_name: str = ""


def parse_article(text: str, url: str) -> FounderArticle:
    """One article page into an Article; ArticleError when it is not one (says what is missing)."""
    doc = _document(text)
    meta = _metadata(text)
    body = _body_html(text, doc)
    if body is None:
        raise ArticleError("no article body (no enpcontent comment nor founder-content)")
    paragraphs = _paragraphs(body)
    if not meta.get("title") and not paragraphs:
        raise ArticleError("no title and no text")
    if sum(len(p) for p in paragraphs) > MAX_ARTICLE_CHARS:
        raise ArticleError(f"body over {MAX_ARTICLE_CHARS:,} characters: not an article")
    visible = "".join(paragraphs) + meta.get("title", "")
    if visible and len(_CJK.findall(visible)) < 0.3 * len(visible):
        raise ArticleError("not Chinese text (wrong charset?)")
    names, paragraphs = split_credits(paragraphs)
    reporters = names_in_credit(meta["author"]) if meta.get("author") else []
    reporters = list(dict.fromkeys(reporters + names))
    if not paragraphs:
        raise NoText(f"{meta.get('title') or 'untitled'}: no text (a picture or an advertisement)")
    article = Article(
        kind="news", title=meta.get("title", ""), kicker=meta.get("introtitle", ""), subtitle=meta.get("subtitle", ""),
        reporters=tuple(reporters), paragraphs=tuple(paragraphs),
    )
    match = re.search(r"content_([A-Za-z0-9_]+)", urlsplit(url).path)
    article_id = meta.get("articleid") or (match.group(1) if match else url)
    return FounderArticle(id=article_id, url=url, article=article, page_name=meta.get("nodename", ""))


def _decode(response_content: bytes, header_charset: str, source: Source) -> tuple[str, str]:
    try:
        return decode_html(response_content, header_charset, source.charset)
    except UnicodeError as exc:
        raise ArticleError(str(exc)) from exc


def read_issue(source: Source, day: Date, fetcher: Fetcher, entry_url: str | None = None,
               pdf_limits: IngestSettings | None = None) -> Iterator[FetchedPage]:
    """Every page of the day's issue, one FetchedPage each (failed pages carry their error).
    `pdf_limits`: the admins' [ingest] limits, for a page read from its PDF instead.

    Raises FetchError when the entry page itself cannot be had (the issue is not out yet).
    """
    entry = entry_url or source.entry_url(day)
    response = fetcher.get(entry)
    if response.url != entry and _dated(entry, day) and not _dated(response.url, day):
        # Some sites answer a day not yet (or never) published with their latest issue.
        raise FetchError(entry, f"redirected to {response.url}, not the issue of {day} (not published yet?)")
    try:
        text, _ = _decode(response.content, response.header_charset, source)
        nodes = page_nodes(text, entry, source)
    except ArticleError as exc:
        raise FetchError(entry, f"entry page unreadable: {exc}") from exc
    seen: set[str] = set()
    for node in nodes:
        yield read_page(source, node, fetcher, seen, first=text if node.url == entry else None,
                        pdf_limits=pdf_limits)


def _dated(url: str, day: Date) -> bool:
    """Whether a URL's path names the day, as Founder paths do (`202411/06`, `2024-11/06`, `20241106`)."""
    y, m, d = f"{day.year:04d}", f"{day.month:02d}", f"{day.day:02d}"
    path = urlsplit(url).path
    return any(mark in path for mark in (f"{y}{m}/{d}", f"{y}-{m}/{d}", f"{y}{m}{d}", f"{y}-{m}-{d}"))


def read_page(
    source: Source, node: PageNode, fetcher: Fetcher, seen: set[str], first: str | None = None,
    pdf_limits: IngestSettings | None = None,
) -> FetchedPage:
    """One page node: all its articles, or the page PDF, or the reason it failed."""
    notes: list[str] = []
    try:
        if first is None:
            response = fetcher.get(node.url)
            first, _ = _decode(response.content, response.header_charset, source)
        links = node_links(first, node.url, source)
    except (FetchError, ArticleError) as exc:
        return FetchedPage(node.key, node.url, node.number, error=f"page unreadable: {_reason(exc)}")
    notes += [f"not followed: {u} is off the source's host" for u in links.off_host]
    articles: list[Article] = []
    encodings: list[str] = []
    failures: list[str] = []
    for url in links.articles:
        try:
            response = fetcher.get(url)
            text, encoding = _decode(response.content, response.header_charset, source)
            found = parse_article(text, url)
        except NoText as exc:
            notes.append(f"skipped {_name(url)}: {exc}")
            continue
        except (FetchError, ArticleError) as exc:
            failures.append(f"{_name(url)}: {_reason(exc)}")
            continue
        if found.id in seen:
            continue  # continued from an earlier page: stored once, where it starts
        seen.add(found.id)
        articles.append(found.article)
        encodings.append(encoding)
    if failures:
        return _pdf_fallback(node, fetcher, links, failures, notes, pdf_limits)
    if not articles:
        # Nothing failed, nothing to store: a page of advertisements or pictures. Said, not retried.
        why = "no article links (a page of advertisements or pictures?)" if not links.articles else \
            "no article with text"
        return FetchedPage(node.key, node.url, node.number, notes=tuple(notes), skipped=why)
    return FetchedPage(node.key, node.url, node.number, articles=tuple(articles),
                       encoding="/".join(dict.fromkeys(encodings)), notes=tuple(notes))


def _pdf_fallback(node: PageNode, fetcher: Fetcher, links: NodeLinks, failures: list[str], notes: list[str],
                  limits: IngestSettings | None) -> FetchedPage:
    """The page's PDF through digest.sources.pdf when an article cannot be read; else the page fails."""
    why = "; ".join(failures)
    failed = FetchedPage(node.key, node.url, node.number, notes=tuple(notes), error=why)
    if not links.pdfs:
        return failed
    from digest.sources.pdf import read_pdf_bytes  # the PDF reader starts a child process: only when needed

    try:
        issue = read_pdf_bytes(fetcher.get(links.pdfs[0]).content, _name(links.pdfs[0]), limits)
        articles = [a for page in issue.pages for a in page.articles]
    except Exception as exc:  # the fallback's own failure must only cost this page
        log.info("%s: PDF fallback failed: %s", node.url, exc)
        return FetchedPage(node.key, node.url, node.number, notes=tuple(notes), error=f"{why}; PDF: {exc}")
    if not articles:
        return failed
    notes.append(f"read from the page PDF instead ({why})")
    return FetchedPage(node.key, node.url, node.number, articles=tuple(articles), encoding="pdf",
                       notes=tuple(notes), via="pdf")


def _name(url: str) -> str:
    return urlsplit(url).path.rsplit("/", 1)[-1] or url


def _reason(exc: Exception) -> str:
    return exc.reason if isinstance(exc, FetchError) else str(exc)
