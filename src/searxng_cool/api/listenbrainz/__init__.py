"""The ListenBrainz-compatible subset under /1/, for existing scrobblers and liblistenbrainz."""
