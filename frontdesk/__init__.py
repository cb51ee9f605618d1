"""Frontdesk: an omnichannel customer-service platform."""
