"""Discovery: sessions and recommendations."""
