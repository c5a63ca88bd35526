"""ListenBrainz's rules for a submission, as its server applies them (api_tools.py).

Limits: at most 1000 listens a request, 10,240 bytes a listen on average, `listened_at` not
before 2002-10-01 nor more than an hour ahead, no NUL anywhere; `single` and
`playing_now` carry exactly one listen, `playing_now` none with `listened_at`.
Everything refused is an InvalidInput, which /1/ answers as ListenBrainz does (400).
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from searxng_cool.errors import InvalidInput

MAX_LISTENS_PER_REQUEST = 1000
MAX_LISTEN_SIZE = 10_240
LISTEN_MINIMUM_TS = 1_033_430_400  # 2002-10-01 00:00:00 UTC, Last.fm's beginnings
ALLOWED_SKEW_SECONDS = 60 * 60
MAX_TAGS_PER_LISTEN = 50
MAX_TAG_SIZE = 64
MAX_DURATION = 24 * 24 * 60 * 60  # 24 days, in seconds
LISTEN_TYPES = ("single", "import", "playing_now")
SINGLE_MBIDS = ("release_mbid", "recording_mbid", "release_group_mbid", "track_mbid")
MULTIPLE_MBIDS = ("artist_mbids", "work_mbids")


@dataclass(frozen=True)
class Submission:
    listen_type: str
    listens: list[dict[str, Any]]


def parse_submission(raw: bytes) -> Submission:
    """The submission in `raw`, checked as ListenBrainz checks it."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput(f"Cannot parse JSON document: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidInput(
            "Invalid JSON document submitted. Top level of JSON document should be a json object."
        )
    payload = data.get("payload")
    if not isinstance(payload, list):
        raise InvalidInput("The payload in the JSON document should be a list of listens.")
    if not payload:
        raise InvalidInput("JSON document does not contain any listens")
    if len(payload) > MAX_LISTENS_PER_REQUEST:
        raise InvalidInput(
            f"Too many listens. You may not submit more than {MAX_LISTENS_PER_REQUEST}"
            " listens at once."
        )
    if len(raw) > len(payload) * MAX_LISTEN_SIZE:
        raise InvalidInput(
            f"JSON document is too large. Each listens may not be larger than {MAX_LISTEN_SIZE}"
            " bytes."
        )
    listen_type = data.get("listen_type")
    if listen_type not in LISTEN_TYPES:
        raise InvalidInput("JSON document requires a valid listen_type key.")
    if listen_type in ("single", "playing_now") and len(payload) > 1:
        raise InvalidInput(
            "JSON document contains more than listen for a single/playing_now."
            " It should contain only one."
        )
    return Submission(str(listen_type), [validate_listen(x, str(listen_type)) for x in payload])


def validate_listen(listen: Any, listen_type: str) -> dict[str, Any]:
    if not isinstance(listen, dict):
        raise InvalidInput("Listen is empty and cannot be validated.")
    if listen_type == "playing_now":
        if "listened_at" in listen:
            raise InvalidInput(
                "JSON document must not contain listened_at while submitting playing_now."
            )
        allowed = {"track_metadata"}
    else:
        _validate_listened_at(listen)
        allowed = {"listened_at", "track_metadata"}
    if "track_metadata" not in listen:
        raise InvalidInput("JSON document must contain the key track_metadata at the top level.")
    if set(listen) - allowed:
        keys = " and ".join(sorted(allowed))
        raise InvalidInput(f"JSON document may only contain {keys} top level keys")
    metadata = listen["track_metadata"]
    if not isinstance(metadata, dict):
        raise InvalidInput("JSON document may not have track_metadata with null value.")
    _basic(metadata, "track_name", required=True)
    _basic(metadata, "artist_name", required=True)
    _basic(metadata, "release_name", required=False)
    if "additional_info" in metadata:
        _additional_info(metadata)
    _check_text(listen)
    return listen


def _validate_listened_at(listen: dict[str, Any]) -> None:
    if "listened_at" not in listen:
        raise InvalidInput("JSON document must contain the key listened_at at the top level.")
    value = listen["listened_at"]
    try:
        if isinstance(value, bool):
            raise ValueError
        listen["listened_at"] = int(value)
    except (ValueError, TypeError, OverflowError):
        raise InvalidInput("JSON document must contain an int value for listened_at.") from None
    if listen["listened_at"] >= int(time.time()) + ALLOWED_SKEW_SECONDS:
        raise InvalidInput("Value for key listened_at is too high.")
    if listen["listened_at"] < LISTEN_MINIMUM_TS:
        raise InvalidInput(
            "Value for key listened_at is too low. listened_at timestamp should be greater"
            f" than {LISTEN_MINIMUM_TS} (2002-10-01 00:00:00 UTC)."
        )


def listened_at(listen: dict[str, Any]) -> datetime:
    return datetime.fromtimestamp(int(listen["listened_at"]), UTC)


def _basic(metadata: dict[str, Any], key: str, *, required: bool) -> None:
    if key not in metadata:
        if required:
            raise InvalidInput(
                f"JSON document does not contain required field track_metadata.{key}."
            )
        return
    if not isinstance(metadata[key], str):
        raise InvalidInput(f"track_metadata.{key} must be a single string.")
    metadata[key] = metadata[key].strip()
    if not metadata[key]:
        if required:
            raise InvalidInput(f"field track_metadata.{key} is empty.")
        del metadata[key]


def _additional_info(metadata: dict[str, Any]) -> None:
    info = metadata["additional_info"]
    if info is None:
        del metadata["additional_info"]
        return
    if not isinstance(info, dict):
        raise InvalidInput("track_metadata.additional_info must be a JSON object.")
    _tags(info.get("tags"))
    if "duration" in info and "duration_ms" in info:
        raise InvalidInput("JSON document should not contain both duration and duration_ms.")
    _duration(info, "duration", MAX_DURATION)
    _duration(info, "duration_ms", MAX_DURATION * 1000)
    _mbids(info)


def _tags(tags: Any) -> None:
    if tags is None:
        return
    if not isinstance(tags, list) or len(tags) > MAX_TAGS_PER_LISTEN:
        raise InvalidInput(
            f"JSON document may not contain more than {MAX_TAGS_PER_LISTEN} items in"
            " track_metadata.additional_info.tags."
        )
    if any(not isinstance(tag, str) or len(tag) > MAX_TAG_SIZE for tag in tags):
        raise InvalidInput(
            "JSON document may not contain track_metadata.additional_info.tags longer"
            f" than {MAX_TAG_SIZE} characters."
        )


def _mbids(info: dict[str, Any]) -> None:
    """Empty MBIDs are dropped; any other that is not a UUID is refused."""
    for key in SINGLE_MBIDS:
        if key in info and not info[key]:
            del info[key]
        elif key in info and not _is_uuid(info[key]):
            raise InvalidInput(f"{key} MBID format invalid.")
    for key in MULTIPLE_MBIDS:
        values = info.get(key)
        if key in info and not values:
            del info[key]
        elif key in info:
            kept = [x for x in values if x] if isinstance(values, list) else None
            if kept is None or not all(_is_uuid(x) for x in kept):
                raise InvalidInput(f"{key} MBID format invalid.")
            info[key] = kept


def _duration(info: dict[str, Any], key: str, maximum: int) -> None:
    if key not in info:
        return
    try:
        value = int(float(info[key]))
    except (ValueError, TypeError, OverflowError):
        raise InvalidInput(f"Value for {key} is invalid, should be a positive integer.") from None
    if value <= 0:
        raise InvalidInput(f"Value for {key} is invalid, should be a positive integer.")
    if value > maximum:
        raise InvalidInput(f"Value for {key} is too large, max permitted value is {maximum}")
    info[key] = value


def _is_uuid(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _check_text(value: Any) -> None:
    """No NUL (PostgreSQL cannot store it) and no lone surrogate (not UTF-8), anywhere."""
    if isinstance(value, str):
        if "\x00" in value:
            raise InvalidInput(f"{value[:40]!r} contains a unicode null")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidInput(f"{value[:40]!r} is not valid Unicode") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key)
            _check_text(item)
    elif isinstance(value, list):
        for item in value:
            _check_text(item)
