"""Hostile input from hypothesis: always a clear InvalidInput (or NotFound), never a crash or
a partial write."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from searxng_cool.errors import InvalidInput, NotFound
from searxng_cool.playlists import editing, manage, smart
from searxng_cool.playlists.rules import FIELDS, GROUPS, OPERATORS, PLAYLIST_OPERATORS, parse_rules
from tests import factories
from tests.playlists.conftest import assert_invariants, order_of

FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

names = st.one_of(
    st.text(),
    st.text(min_size=200, max_size=400),
    st.just("x" * 100_000),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=60),
)

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.dates().map(str),
)
words = st.sampled_from([*FIELDS, *OPERATORS, *PLAYLIST_OPERATORS, *GROUPS, "id", "sort", "x"])
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(words, st.text(max_size=8)), inner, max_size=3),
    ),
    max_leaves=25,
)
conditions = st.builds(
    lambda op, field, value: {op: {field: value}},
    st.sampled_from([*OPERATORS, *PLAYLIST_OPERATORS]),
    st.one_of(st.sampled_from([*FIELDS, "id"]), st.text(max_size=5)),
    st.one_of(json_scalars, st.lists(json_scalars, max_size=3), st.just(True)),
)
rule_documents = st.one_of(
    json_values,
    st.builds(
        lambda group, items, extra: {group: items, **extra},
        st.sampled_from(GROUPS),
        st.lists(st.one_of(conditions, json_values), max_size=4),
        st.dictionaries(st.sampled_from(["sort", "order", "limit"]), json_scalars, max_size=3),
    ),
)


@FUZZ
@given(name=names, description=st.one_of(st.none(), names))
def test_any_name_is_stored_exactly_or_refused_with_nothing_written(
    engine: Engine, name: str, description: str | None
) -> None:
    with engine.connect() as connection:
        owner = factories.user(connection)
        try:
            playlist_id = manage.create_playlist(
                connection, owner_id=owner, name=name, description=description
            )
        except InvalidInput:
            assert connection.execute(text("SELECT count(*) FROM playlists")).scalar_one() == 0
            connection.rollback()
            return
        stored = connection.execute(
            text("SELECT name, description FROM playlists WHERE id = :p"), {"p": playlist_id}
        ).one()
        assert (stored.name, stored.description) == (name.strip(), description)
        connection.rollback()


@FUZZ
@given(rules=rule_documents)
def test_fuzzed_rules_are_either_valid_and_run_or_refused_cleanly(
    engine: Engine, rules: Any
) -> None:
    try:
        parsed = parse_rules(rules)
    except InvalidInput as exc:
        refusal = str(exc)
        assert refusal.startswith("rules"), refusal
        return
    with engine.connect() as connection:
        owner = factories.user(connection)
        found = smart.preview_rules(connection, rules=parsed.source, owner_id=owner)
        assert found == []  # an empty catalog: the query ran and matched nothing
        connection.rollback()


@FUZZ
@given(rules=rule_documents)
def test_refused_rules_leave_the_playlist_untouched(engine: Engine, rules: Any) -> None:
    with engine.connect() as connection:
        owner = factories.user(connection)
        playlist_id = manage.create_playlist(
            connection, owner_id=owner, name="Smart", dynamic_rules={"all": [{"gt": {"year": 1}}]}
        )
        try:
            smart.set_rules(connection, playlist_id=playlist_id, actor_id=owner, rules=rules)
        except InvalidInput:
            row = connection.execute(
                text("SELECT dynamic_rules, version FROM playlists WHERE id = :p"),
                {"p": playlist_id},
            ).one()
            assert row.dynamic_rules == {"all": [{"gt": {"year": 1}}]}
            assert row.version == 1
        connection.rollback()


positions = st.one_of(
    st.integers(min_value=-5, max_value=8),
    st.integers(),
    st.booleans(),
    st.floats(),
    st.text(max_size=3),
)


@FUZZ
@given(
    src=positions,
    dst=positions,
    removed=st.lists(positions, max_size=4),
    added=st.lists(st.one_of(st.integers(), st.text(max_size=2)), max_size=4),
)
def test_hostile_positions_and_ids_never_break_the_order(
    engine: Engine, src: Any, dst: Any, removed: list[Any], added: list[Any]
) -> None:
    with engine.connect() as connection:
        owner = factories.user(connection)
        tracks = [factories.track(connection) for _ in range(5)]
        playlist_id = manage.create_playlist(connection, owner_id=owner, name="Target")
        editing.add_tracks(connection, playlist_id=playlist_id, actor_id=owner, track_ids=tracks)
        edits = [
            lambda: editing.move_track(
                connection,
                playlist_id=playlist_id,
                actor_id=owner,
                from_position=src,
                to_position=dst,
            ),
            lambda: editing.remove_tracks(
                connection, playlist_id=playlist_id, actor_id=owner, positions=removed
            ),
            lambda: editing.add_tracks(
                connection, playlist_id=playlist_id, actor_id=owner, track_ids=added, position=src
            ),
        ]
        for edit in edits:
            before = order_of(connection, playlist_id)
            try:
                edit()
            except (InvalidInput, NotFound):
                # Refused before any write: no savepoint to roll back to, nothing changed.
                assert order_of(connection, playlist_id) == before
            assert_invariants(connection, playlist_id)
        connection.commit()  # the deferred uniqueness check passes too
