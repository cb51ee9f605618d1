"""Email channel: reading inbound mail (parsing and reply trimming)."""
