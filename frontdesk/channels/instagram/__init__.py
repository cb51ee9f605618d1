"""Instagram messaging: a professional account's direct messages through the Graph API (``channels.graph``)."""
