"""The HTTP API: parse (pydantic schemas per use), authorise (Annotated dependencies), call a
service in one transaction per request, serialise. No SQL here.

`/api/v1` is our own API (RFC 9457 problem+json errors), `/1/` the ListenBrainz-compatible
subset (ListenBrainz's `{"code", "error"}` errors), `/healthz` and `/readyz` for probes.
"""
