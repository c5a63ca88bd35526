"""A hostile corpus through every command that takes a file or JSON.

For each input: the command exits 0 or 1 (never 2, "internal error"), prints no traceback,
and either refuses the input (exit 1) or counts what it refused; the database changes only
by what the command's summary reports.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

from click.testing import Result
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text
from sqlalchemy.engine import URL
from typer.testing import CliRunner

from searxng_cool.cli.main import app
from tests import factories
from tests.cli.test_cli import env_for

runner = CliRunner()
# Few examples each: every one is a CLI run against a real database (the suite's time).
EXAMPLES = settings(max_examples=6, deadline=None)

# Text that breaks naive readers: NUL and other control characters, a BOM, lone
# surrogates (written as JSON escapes, since a Python str holding one cannot be encoded),
# very long strings and numbers.
CONTROL = st.sampled_from(["\x00", "\x01", "\x1b[31m", "\r", "\u2028", "\ufeff", "\x7f"])
NASTY_TEXT = st.one_of(
    st.text(max_size=40),
    st.builds("".join, st.lists(CONTROL, min_size=1, max_size=4)),
    st.integers(1_000, 40_000).map(lambda n: "x" * n),
    st.just("Robert'); DROP TABLE tracks;--"),
)
HUGE_NUMBERS = st.one_of(
    st.integers(20, 6_000).map(lambda n: "9" * n),
    st.sampled_from(["1e999", "-1e999", "NaN", "Infinity", "-0", "1e-400", "9223372036854775808"]),
)


def _deep(depth: int, opener: str) -> str:
    closer = "]" if opener == "[" else "}"
    inner = "[" * depth + "]" * depth if opener == "[" else '{"a":' * depth + "1" + "}" * depth
    return inner if opener == "{" else inner.replace("]", closer)


DEEP = st.builds(_deep, st.integers(33, 12_000), st.sampled_from(["[", "{"]))
WRONG_TYPES = st.sampled_from(["[]", "{}", "true", "null", '"text"', "[1, [2, {}]]", "-1", "0"])


@st.composite
def hostile_value(draw: st.DrawFn) -> str:
    """The JSON text of one hostile value."""
    kind = draw(st.sampled_from(["text", "number", "deep", "surrogate", "nul", "wrong"]))
    if kind == "text":
        return json.dumps(draw(NASTY_TEXT), ensure_ascii=draw(st.booleans()))
    if kind == "number":
        return draw(HUGE_NUMBERS)
    if kind == "deep":
        return draw(DEEP)
    if kind == "surrogate":
        return '"a\\ud800b"'
    if kind == "nul":
        return '"a\\u0000b"'
    return draw(WRONG_TYPES)


@st.composite
def hostile_object(draw: st.DrawFn, keys: list[str]) -> str:
    """A JSON object over `keys` with some values hostile (as text: not all is valid JSON)."""
    chosen = draw(st.lists(st.sampled_from(keys), min_size=1, max_size=len(keys), unique=True))
    body = ", ".join(f"{json.dumps(key)}: {draw(hostile_value())}" for key in chosen)
    prefix = draw(st.sampled_from(["", "\ufeff", " "]))
    return prefix + "{" + body + "}"


RECORD_KEYS = ["source_type", "source_id", "title", "artist", "album", "duration_ms",
               "release_date", "genres", "audio_features", "isrc", "popularity", "played_at"]  # fmt: skip
EVENT_KEYS = [
    "user_id",
    "track_id",
    "interaction_type",
    "play_duration_ms",
    "context",
    "created_at",
]
RULE_KEYS = ["all", "any", "sort", "order", "limit"]
PARAMETER_KEYS = ["mood", "valence", "energy", "genre", "batch_size", "seed_track_id"]
SETTING_KEYS = ["novelty", "energy_range", "excluded_genres"]


def counts(engine: Engine) -> dict[str, int]:
    tables = ("tracks", "track_sources", "user_interactions", "playlists", "discovery_sessions")
    with engine.connect() as conn:
        return {
            t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in tables
        }


def sane(result: Result) -> None:
    assert "Traceback" not in result.output
    assert "internal error" not in result.output, result.output
    # 2 is click's usage error (a JSON argument like "-1" read as an option), said in one line.
    assert result.exit_code in (0, 1) or (result.exit_code == 2 and "Usage:" in result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit)


def table_cells(output: str) -> list[int]:
    """The leading numbers of the first data row of a summary table."""
    for line in output.splitlines():
        cells = [c.strip().replace(",", "") for c in re.split(r"[│┃|]", line) if c.strip()]
        numbers = list(itertools.takewhile(str.isdigit, cells))
        if len(numbers) >= 3:
            return [int(c) for c in numbers]
    return []


def seed(engine: Engine) -> tuple[int, int]:
    with engine.begin() as conn:
        return factories.user(conn), factories.track(conn, duration_ms=200_000)


@EXAMPLES
@given(lines=st.lists(hostile_object(RECORD_KEYS), min_size=1, max_size=4), as_csv=st.booleans())
def test_ingest_of_a_hostile_file_refuses_or_counts_every_row(
    db_url: URL, engine: Engine, tmp_path: Path, lines: list[str], as_csv: bool
) -> None:
    before = counts(engine)
    source = tmp_path / ("records.csv" if as_csv else "records.jsonl")
    if as_csv:
        rows = [json.dumps(line)[1:-1].replace(",", ";") for line in lines]
        source.write_text("\ufeffsource_type,source_id,title,artist\nspotify,{0},{0},{0}\n".format(
            rows[0][:50].replace("\n", " ")) + "\n".join(f"spotify,id{n},{r},a" for n, r in enumerate(rows)),
            encoding="utf-8", errors="surrogatepass")  # fmt: skip
    else:
        source.write_bytes("\n".join(lines).encode("utf-8", "surrogatepass"))
    result = runner.invoke(
        app, ["ingest", str(source), "--rejects", str(tmp_path / "r.jsonl")], env=env_for(db_url)
    )
    sane(result)
    after = counts(engine)
    if result.exit_code == 1:
        assert after["tracks"] == before["tracks"] or "every one" in result.output
    else:
        rows, inserted, *_ = table_cells(result.output)
        assert after["tracks"] - before["tracks"] <= inserted <= rows


@EXAMPLES
@given(lines=st.lists(hostile_object(EVENT_KEYS), min_size=1, max_size=4), as_csv=st.booleans())
def test_interactions_load_of_a_hostile_file_refuses_or_counts_every_line(
    db_url: URL, engine: Engine, tmp_path: Path, lines: list[str], as_csv: bool
) -> None:
    user, track = seed(engine)
    before = counts(engine)
    source = tmp_path / ("events.csv" if as_csv else "events.jsonl")
    if as_csv:
        body = "".join(
            f"{user},{track},play,{json.dumps(line)[1:-1].replace(',', ';')[:200]}\n"
            for line in lines
        )
        source.write_bytes(("\ufeffuser_id,track_id,interaction_type,created_at\n" + body)
                           .encode("utf-8", "surrogatepass"))  # fmt: skip
    else:
        source.write_bytes("\n".join(lines).encode("utf-8", "surrogatepass"))
    rejects = tmp_path / "events.rejects.jsonl"
    result = runner.invoke(
        app, ["interactions", "load", str(source), "--rejects", str(rejects)], env=env_for(db_url)
    )
    sane(result)
    delta = counts(engine)["user_interactions"] - before["user_interactions"]
    if result.exit_code == 1:
        assert delta == 0
    else:
        accepted, already, rejected, *_ = table_cells(result.output)
        assert delta == accepted
        assert accepted + already + rejected == len(lines)


@EXAMPLES
@given(rules=hostile_object(RULE_KEYS) | DEEP | WRONG_TYPES)
def test_playlist_rules_that_are_hostile_are_refused_in_one_line(
    db_url: URL, engine: Engine, tmp_path: Path, rules: str
) -> None:
    user, _ = seed(engine)
    before = counts(engine)
    path = tmp_path / "rules.json"
    path.write_bytes(rules.encode("utf-8", "surrogatepass"))
    sane(runner.invoke(app, ["playlists", "check-rules", str(path)]))
    made = runner.invoke(
        app,
        ["playlists", "create", "fuzz", "--owner", str(user), "--rules", str(path)],
        env=env_for(db_url),
    )
    sane(made)
    assert counts(engine)["playlists"] - before["playlists"] == (made.exit_code == 0)


@EXAMPLES
@given(
    parameters=hostile_object(PARAMETER_KEYS) | DEEP | WRONG_TYPES,
    settings_text=hostile_object(SETTING_KEYS) | DEEP | WRONG_TYPES,
    act=st.tuples(
        st.sampled_from(["liked", "x" * 300, "\x00", "played"]),
        st.sampled_from(["-1", "99999999999999999999", "0", "10"]),
    ),
)
def test_discovery_and_profile_json_that_is_hostile_is_refused_in_one_line(
    db_url: URL, engine: Engine, parameters: str, settings_text: str, act: tuple[str, str]
) -> None:
    action, played = act
    user, track = seed(engine)
    env = env_for(db_url)
    before = counts(engine)
    started = runner.invoke(app, ["discover", "start", str(user), "mood", parameters], env=env)
    sane(started)
    assert counts(engine)["discovery_sessions"] - before["discovery_sessions"] == (
        started.exit_code == 0
    )
    sane(runner.invoke(app, ["profiles", "settings", str(user), settings_text], env=env))
    acted = runner.invoke(
        app, ["discover", "act", "1", str(track), action, "--played-ms", played], env=env
    )
    sane(acted)


FILTER = st.one_of(
    st.tuples(st.just("--year"), st.text(max_size=30)),
    st.tuples(st.just("--duration"), st.text(max_size=30)),
    st.tuples(st.just("--feature"), st.text(max_size=30)),
    st.tuples(st.just("--genre"), NASTY_TEXT.map(lambda t: t[:300])),
    st.tuples(st.just("--year"), HUGE_NUMBERS.map(lambda n: f"{n}..")),
)


@EXAMPLES
@given(filters=st.lists(FILTER, min_size=1, max_size=3), query=NASTY_TEXT.map(lambda t: t[:500]))
def test_search_with_hostile_filters_answers_or_refuses_in_one_line(
    db_url: URL, filters: list[tuple[str, str]], query: str
) -> None:
    arguments: list[Any] = ["search", query.replace("\x00", "") or "rain"]
    for option, value in filters:
        arguments += [option, value.replace("\x00", "")]
    result = runner.invoke(app, arguments, env=env_for(db_url))
    sane(result)
    assert "CONTEXT" not in result.output
