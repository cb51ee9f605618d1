"""Facebook Messenger: a Page's conversations through Meta's Graph API (see ``frontdesk.channels.graph``)."""
