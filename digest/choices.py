"""Counties and topics as people type them: `高唐` means 高唐县; a name we do not know is refused
with the list of names we do, never answered with an empty digest."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from digest.region import CITY, COUNTY, ZONE, Region


class UnknownChoice(ValueError):
    """A county or topic that is not in the region or taxonomy; the message lists the valid ones."""


def county_aliases(region: Region) -> dict[str, str]:
    """Every accepted way of naming a county label: the label itself, its aliases, the city's names."""
    names = {label: label for label in region.counties}
    for n in region.names:
        if n.kind in (COUNTY, ZONE, CITY) and n.text not in names:
            names[n.text] = n.label
    return names


def resolve_counties(region: Region, typed: Iterable[str]) -> tuple[str, ...]:
    """Canonical county labels for what was typed; UnknownChoice names the first unknown one."""
    known = county_aliases(region)
    out = []
    for name in typed:
        label = known.get(name.strip())
        if label is None:
            shorts = "、".join(f"{alias}→{label}" for alias, label in known.items() if alias != label)
            raise UnknownChoice(f"unknown county {name!r}; counties: {'、'.join(region.counties)}"
                                f" (short names: {shorts})")
        out.append(label)
    return tuple(dict.fromkeys(out))


def resolve_topics(topics: Sequence[str], typed: Iterable[str]) -> tuple[str, ...]:
    """The typed topics by their full names (`体育` is short for 体育赛事 when no other topic
    starts so); UnknownChoice lists the valid names."""
    out = []
    for name in typed:
        name = name.strip()
        starting = [t for t in topics if t.startswith(name)] if name else []
        if name in topics:
            out.append(name)
        elif len(starting) == 1:
            out.append(starting[0])
        else:
            which = "ambiguous" if starting else "unknown"
            raise UnknownChoice(f"{which} topic {name!r}; topics: {'、'.join(topics)}"
                                " (a topic's first characters are enough when only one starts so)")
    return tuple(dict.fromkeys(out))
