"""The ``frontdesk`` console command: Django's management commands under one name.

``frontdesk seed-demo`` and ``frontdesk seed_demo`` both work; dashes are
the documented spelling.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontdesk.settings")
    from django.core.management import execute_from_command_line

    args[0] = "frontdesk"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
