"""Background jobs of channels (found by the scheduler's autodiscovery of ``tasks`` modules)."""

from frontdesk.channels.email.tasks import poll_mailboxes, read_mailbox

__all__ = ["poll_mailboxes", "read_mailbox"]
