"""``frontdesk email-parse FILE…``: one JSON line per .eml file, read as the pipeline reads mail.

For operators and support engineers checking why a customer's mail looks the
way it does in the inbox (charset, trimmed reply, auto-reply mark).
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from frontdesk.channels.email.parsing import ParsedEmail, parse_email


class Command(BaseCommand):
    help = "Parse .eml files and print one JSON line each, as the email channel reads them."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE", help="A raw RFC 5322 message (.eml).")

    def handle(self, *args: Any, files: list[str], **options: Any) -> None:
        unreadable = 0
        for name in files:
            try:
                raw = Path(name).read_bytes()
            except OSError as error:
                unreadable += 1
                self._print({"file": name, "error": error.strerror or str(error)})
                continue
            self._print(email_summary(parse_email(raw)))
        if unreadable:
            # Every readable file is printed first, so one bad path does not hide the rest.
            raise CommandError(f"{unreadable} of {len(files)} files could not be read", returncode=1)

    def _print(self, line: dict[str, Any]) -> None:
        self.stdout.write(json.dumps(line, ensure_ascii=False))


def email_summary(parsed: ParsedEmail) -> dict[str, Any]:
    """The fields of a parsed mail as printed by the command (attachment content left out)."""
    return {
        "from": {"name": parsed.sender.name, "address": parsed.sender.address},
        "to": list(parsed.to),
        "cc": list(parsed.cc),
        "subject": parsed.subject,
        "date": parsed.date.isoformat() if parsed.date else None,
        "message_id": parsed.message_id,
        "in_reply_to": parsed.in_reply_to,
        "references": list(parsed.references),
        "text": parsed.text,
        "html": parsed.html,
        "reply_text": parsed.reply_text,
        "attachments": [
            {"filename": item.filename, "content_type": item.content_type, "size": item.size}
            for item in parsed.attachments
        ],
        "auto_submitted": parsed.auto_submitted,
    }
