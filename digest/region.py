"""The region as data: which names (counties, zones, townships, organisations) point to which county.

Loaded once at start from config/region/<city>.toml and its township CSV files, so another city
is another config file. `Region.find` is the gazetteer the tagger reads evidence from.
"""

from __future__ import annotations

import csv
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from digest.settings import ConfigError, read_toml

log = logging.getLogger(__name__)

# What kind of name a match is; the tagger weighs and explains evidence by it.
COUNTY, ZONE, TOWNSHIP, ORGANISATION, CITY, MARKER, DEPARTMENT = (
    "county", "zone", "township", "organisation", "city", "marker", "department")
# Kinds tied to one county: a city-wide department match may not overlap them (临清市教育局).
_LOCAL_KINDS = frozenset({COUNTY, ZONE, TOWNSHIP, ORGANISATION})
_WHITESPACE = re.compile(r"\s+")
_BARE_NOT_BEFORE = frozenset("域")  # 开发区域 is an area being developed, not the zone
_HAN = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Name:
    """One name in the gazetteer and the county label it points to."""

    text: str
    label: str
    kind: str
    # A bare name (开发区, 高新区) counts only where it stands alone, not as the tail of another
    # place's name (高唐经济开发区 is 高唐县's zone, 济南高新区 another city's): see Region.find.
    bare: bool = False


@dataclass(frozen=True)
class Mention:
    """A name found in a text, with its place (offsets into the text with white space removed)."""

    start: int
    end: int
    text: str
    label: str
    kind: str


@dataclass(frozen=True)
class Region:
    """A city with its counties and every name that points to one of them."""

    name: str
    short_name: str
    city_label: str
    counties: tuple[str, ...]
    names: tuple[Name, ...]
    department_pattern: re.Pattern[str] | None = field(default=None, compare=False)
    # Characters after which a bare name still stands alone (在开发区, 走进高新区); after any other
    # Chinese character it is the tail of a longer name. The city's names are allowed too.
    bare_after: frozenset[str] = frozenset()

    def dictionary_words(self) -> tuple[str, ...]:
        """Every region name, for the Segmenter's dictionary, so jieba never splits 东古城镇."""
        words = [self.name, self.short_name, *self.counties, *(n.text for n in self.names)]
        return tuple(dict.fromkeys(w for w in words if len(w) > 1))

    def find(self, text: str) -> list[Mention]:
        """All names in `text`, longest first and never overlapping, in text order.

        White space is removed first (a PDF dump breaks 东古 城镇 across lines), so offsets
        refer to the squashed text. Longest first means 东古城镇 (冠县) wins over the 古城镇
        (莘县) inside it; a department match yields to a county's own name it overlaps.
        """
        text = squash(text)
        candidates: list[Mention] = []
        for name in self.names:
            start = text.find(name.text)
            while start >= 0:
                if not name.bare or self._stands_alone(text, start, start + len(name.text)):
                    candidates.append(Mention(start, start + len(name.text), name.text, name.label, name.kind))
                start = text.find(name.text, start + 1)
        local = [m for m in candidates if m.kind in _LOCAL_KINDS]
        if self.department_pattern is not None:
            for hit in self.department_pattern.finditer(text):
                if not any(m.start < hit.end() and hit.start() < m.end for m in local):
                    candidates.append(Mention(hit.start(), hit.end(), hit.group(), self.city_label, DEPARTMENT))
        taken: list[Mention] = []
        for m in sorted(candidates, key=lambda m: (m.start - m.end, m.start)):
            if all(m.end <= t.start or t.end <= m.start for t in taken):
                taken.append(m)
        taken.sort(key=lambda m: m.start)
        # A place written with its county (东昌府区蒋官屯街道) is one place: when the township is run
        # by a zone, the zone is the more precise answer, so the county's name before it yields.
        return [m for i, m in enumerate(taken)
                if not (m.kind == COUNTY and i + 1 < len(taken) and taken[i + 1].start == m.end
                        and taken[i + 1].kind in (TOWNSHIP, ZONE) and taken[i + 1].label != m.label)]

    def _stands_alone(self, text: str, start: int, end: int) -> bool:
        """Whether a bare name at text[start:end] is a name of its own: not the tail of a longer
        name (see `bare_after`), nor the head of a longer word (开发区域)."""
        if text[end:end + 1] in _BARE_NOT_BEFORE:
            return False
        if start == 0 or not _HAN.match(text[start - 1]):
            return True
        before = text[max(0, start - len(self.name)):start]
        return text[start - 1] in self.bare_after or before.endswith((self.name, self.short_name))


def squash(text: str) -> str:
    """Text without white space: names and offsets then do not depend on line breaks."""
    return _WHITESPACE.sub("", text)


def load_region(path: Path | str) -> Region:
    """Read a region TOML file and the township CSV files it names; ConfigError names the bad file."""
    path = Path(path)
    raw = read_toml(path, "region")
    try:
        region = _build(raw, path.parent)
    except (KeyError, TypeError, ValueError, re.error) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    log.info("region %s: %d counties, %d names", region.name, len(region.counties) - 1, len(region.names))
    return region


def _build(raw: dict[str, Any], base: Path) -> Region:
    city = raw.get("city")
    if not isinstance(city, dict) or not city.get("name"):
        raise ValueError("[city] with a name is required")
    label = str(city.get("label", "全市"))
    short = str(city.get("short", city["name"]))
    names: list[Name] = [Name(str(city["name"]), label, CITY), Name(short, label, CITY)]
    names += [Name(str(n), label, CITY) for n in city.get("own_names", ())]
    names += [Name(str(m), label, MARKER) for m in city.get("markers", ())]
    pattern = re.compile(city["department_pattern"]) if city.get("department_pattern") else None
    bare_after = frozenset(str(city.get("bare_after", "")))

    counties: list[str] = [label]
    entries = raw.get("county", ())
    if not entries:
        raise ValueError("at least one [[county]] is required")
    for entry in entries:
        canonical = str(entry["name"])
        kind = str(entry.get("kind", COUNTY))
        if kind not in (COUNTY, ZONE):
            raise ValueError(f"county {canonical}: kind must be {COUNTY!r} or {ZONE!r}, not {kind!r}")
        if canonical in counties:
            raise ValueError(f"county {canonical} is listed twice")
        counties.append(canonical)
        bare = {str(b) for b in entry.get("bare", ())}
        names += [Name(alias, canonical, kind, alias in bare)
                  for alias in dict.fromkeys((canonical, *entry.get("aliases", ()), *bare))]
    known = set(counties)
    # Townships a zone runs on the county's behalf (the 民政部 list files them under the county).
    run_by = {str(town): str(entry["name"]) for entry in entries for town in entry.get("administers", ())}

    townships = raw.get("townships", {})
    listed: set[str] = set()
    if townships.get("file"):
        file = base / townships["file"]
        for town, county in _read_csv(file, ("town", "county")):
            listed.add(town)
            names.append(Name(town, run_by.get(town, _known(county, known, f"{file.name}: {town}")), TOWNSHIP))
    if townships.get("aliases"):
        file = base / townships["aliases"]
        for alias, town, county in _read_csv(file, ("alias", "town", "county")):
            names.append(Name(alias, run_by.get(town, _known(county, known, f"{file.name}: {alias}")), TOWNSHIP))
    unknown = sorted(set(run_by) - listed)
    if townships.get("file") and unknown:
        raise ValueError(f"a zone administers townships not in the township list: {', '.join(unknown)}")
    for org, county in raw.get("organisations", {}).items():
        names.append(Name(org, _known(str(county), known, org), ORGANISATION))

    seen: dict[str, str] = {}
    for n in names:
        if len(n.text) < 2:
            raise ValueError(f"name {n.text!r} is too short to match safely")
        if seen.setdefault(n.text, n.label) != n.label:
            raise ValueError(f"name {n.text} points to both {seen[n.text]} and {n.label}")
    unique = tuple(dict((n.text, n) for n in names).values())
    return Region(str(city["name"]), short, label, tuple(counties), unique, pattern, bare_after)


def _known(county: str, known: set[str], name: str) -> str:
    if county not in known:
        raise ValueError(f"{name}: unknown county {county!r}")
    return county


def _read_csv(path: Path, columns: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Named columns of a CSV file; a missing file or column is a ConfigError naming it."""
    try:
        with path.open(encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
    except (FileNotFoundError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    if rows and any(c not in rows[0] for c in columns):
        raise ConfigError(f"{path}: needs the columns {', '.join(columns)}")
    out = []
    for i, row in enumerate(rows, start=2):
        values = tuple(str(row.get(c) or "").strip() for c in columns)
        if not all(values):
            raise ConfigError(f"{path}: line {i}: empty {' or '.join(columns)}")
        out.append(values)
    return out
