"""Signed webhook deliveries in each provider's real format, for bench/ingest.py --kind."""
