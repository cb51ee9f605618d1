"""``frontdesk reindex-search``: rebuild the search index from the database (all workspaces, or one).

Indexing normally happens on write; this is for an index that is new (after an upgrade), lost, or built with
older rules. Entries are replaced in place, in batches, so it can run beside live traffic and be run again;
``--after`` resumes a long run past the last id it printed.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from frontdesk.core.models import Workspace
from frontdesk.search.indexing import reindex
from frontdesk.search.models import EntryKind


class Command(BaseCommand):
    help = "Rebuild the search index from the database, in batches. Safe to run again or beside live traffic."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--workspace", type=int, help="Only this workspace id.")
        parser.add_argument(
            "--kind", action="append", choices=[kind.value for kind in EntryKind], help="Only these kinds (repeat)."
        )
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument("--after", type=int, default=0, help="Resume: only rows with an id above this one.")

    def handle(
        self,
        *args: Any,
        workspace: int | None,
        kind: list[str] | None,
        batch_size: int,
        after: int,
        **options: Any,
    ) -> None:
        # A system command: it spans every workspace by design.
        workspaces = Workspace.objects.order_by("pk")
        if workspace is not None:
            workspaces = workspaces.filter(pk=workspace)
            if not workspaces.exists():
                raise CommandError(f"No workspace with id {workspace}.")
        for each in workspaces:
            self.stdout.write(f"Workspace {each.pk} ({each.name})")
            written = reindex(
                each.pk,
                kinds=kind or EntryKind.values,
                batch_size=max(1, batch_size),
                after=after,
                progress=lambda name, done, last: self.stdout.write(f"  {name}: {done} indexed, last id {last}"),
            )
            summary = ", ".join(f"{count} {name}" for name, count in written.items())
            self.stdout.write(self.style.SUCCESS(f"  Done: {summary or 'nothing to do'}."))
