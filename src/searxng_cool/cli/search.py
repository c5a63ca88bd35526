"""`search QUERY`: the catalog's search, as a table or as JSON."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from searxng_cool.catalog.search import SearchPage, group_order
from searxng_cool.catalog.search import search as search_catalog
from searxng_cool.catalog.search_filters import Range, SearchFilters
from searxng_cool.cli.common import console, errors, handles_errors, transaction
from searxng_cool.db.models.catalog import AUDIO_FEATURES
from searxng_cool.errors import InvalidInput


def parse_range(value: str | None, what: str, scale: float = 1) -> Range:
    """'LOW..HIGH', either end optional ('2010..', '..240')."""
    if value is None:
        return Range()
    low, dots, high = value.partition("..")
    try:
        if not dots:
            raise ValueError(value)
        return Range(
            low=float(low) * scale if low.strip() else None,
            high=float(high) * scale if high.strip() else None,
        )
    except ValueError as exc:
        raise InvalidInput(
            f"{what} {value!r} is not a range; write LOW..HIGH, e.g. 0.5..0.9 or 2010.."
        ) from exc


def parse_features(values: list[str]) -> dict[str, Range]:
    features: dict[str, Range] = {}
    for value in values:
        name, equals, bounds = value.partition("=")
        if not equals:
            raise InvalidInput(
                f"feature filter {value!r} needs NAME=LOW..HIGH, e.g. energy=0.5..0.9 "
                f"(names: {', '.join(AUDIO_FEATURES)})"
            )
        features[name.strip().lower()] = parse_range(bounds, name)
    return features


def show_table(page: SearchPage, group: bool) -> None:
    groups = page.grouped() if group else {"results": page.results}
    for title, results in groups.items():
        table = Table("type", "id", "title / name", "artist", "album", "score", title=title)
        for r in results:
            table.add_row(
                r.type, str(r.id), r.name, r.artist or "", r.album or "", f"{r.score:.3f}"
            )
        console.print(table)
    if not page.results:
        console.print("no results")


@handles_errors
def search(  # noqa: PLR0917 - Typer maps each parameter to an option
    query: Annotated[str, typer.Argument(help="Words to look for; the last may be unfinished.")],
    types: Annotated[
        list[str] | None, typer.Option("--type", help="track, artist or album (repeatable).")
    ] = None,
    genre: Annotated[str | None, typer.Option(help="Artist or album genre, e.g. pop.")] = None,
    year: Annotated[str | None, typer.Option(help="Release years, e.g. 2010..2019.")] = None,
    duration: Annotated[str | None, typer.Option(help="Seconds, e.g. 180..240.")] = None,
    feature: Annotated[
        list[str] | None, typer.Option(help="Audio feature range, e.g. energy=0.5..0.9.")
    ] = None,
    limit: Annotated[int, typer.Option(help="Results per page (1..100).")] = 20,
    cursor: Annotated[str | None, typer.Option(help="Next-page cursor of a previous run.")] = None,
    group: Annotated[bool, typer.Option("--group", help="Group results by type.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON array.")] = False,
) -> None:
    """Search the catalog: accents and case ignored, type-ahead prefixes, typo fallback.

    The next page's cursor is printed after the results (on stderr with --json).

    Example: db_cli.py search "dua li" --type track --year 2015..2020 --feature energy=0.5..1
    """
    filters = SearchFilters(
        types=tuple(types) if types else SearchFilters().types,
        genre=genre,
        years=parse_range(year, "year"),
        duration_ms=parse_range(duration, "duration", scale=1000),
        features=parse_features(feature or []),
    )
    with transaction() as connection:
        page = search_catalog(connection, query=query, filters=filters, limit=limit, cursor=cursor)
    if as_json:
        shown = group_order(page.results) if group else page.results
        typer.echo(json.dumps([r.as_json() for r in shown], ensure_ascii=False))
    else:
        show_table(page, group)
    if page.next_cursor:
        (errors if as_json else console).print(
            f"next page: --cursor {page.next_cursor}", soft_wrap=True, highlight=False
        )


def register(app: typer.Typer) -> None:
    app.command()(search)
