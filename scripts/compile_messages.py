"""Compile the translation catalogues without GNU gettext.

    python scripts/compile_messages.py          # write every frontdesk/locale/*/LC_MESSAGES/django.mo
    python scripts/compile_messages.py --check  # exit 1 if a .mo is missing or out of date

The check compares what the .mo holds with what the .po compiles to, entry by
entry (not byte by byte), so it does not depend on the compiler that wrote the
.mo. The creation and revision dates in the header are ignored: they change
whenever makemessages runs and make no difference to what users see.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent.parent / "frontdesk" / "locale"
IGNORED_METADATA = {"POT-Creation-Date", "PO-Revision-Date"}

# (msgctxt, msgid, msgid_plural) -> msgstr, or the plural forms in order.
Catalogue = dict[tuple[str | None, str, str | None], str | tuple[str, ...]]


def catalogue_files(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Every django.po under locale_dir, in a stable order."""
    return sorted(locale_dir.glob("*/LC_MESSAGES/django.po"))


def _entries(catalogue: polib.POFile | polib.MOFile) -> Catalogue:
    entries: Catalogue = {}
    for entry in catalogue:
        key = (entry.msgctxt or None, entry.msgid, entry.msgid_plural or None)
        if entry.msgid_plural:
            entries[key] = tuple(entry.msgstr_plural[index] for index in sorted(entry.msgstr_plural))
        else:
            entries[key] = entry.msgstr
    return entries


def _metadata(catalogue: polib.POFile | polib.MOFile) -> dict[str, str]:
    return {key: value for key, value in catalogue.metadata.items() if key not in IGNORED_METADATA}


def compiled(po_path: Path) -> polib.MOFile:
    """What po_path compiles to, read back as a MOFile (fuzzy and untranslated entries are left out)."""
    po = polib.pofile(str(po_path))
    with tempfile.TemporaryDirectory() as scratch:
        mo_path = Path(scratch) / "django.mo"
        po.save_as_mofile(str(mo_path))
        return polib.mofile(str(mo_path))


def is_stale(po_path: Path) -> str | None:
    """Why the .mo next to po_path is out of date, or None when it is up to date."""
    mo_path = po_path.with_suffix(".mo")
    if not mo_path.exists():
        return "missing"
    expected = compiled(po_path)
    try:
        actual = polib.mofile(str(mo_path))
    except (OSError, ValueError) as error:
        return f"unreadable ({error})"
    if _metadata(actual) != _metadata(expected):
        return "header differs"
    expected_entries, actual_entries = _entries(expected), _entries(actual)
    if expected_entries != actual_entries:
        changed = {
            key
            for key in expected_entries.keys() | actual_entries.keys()
            if expected_entries.get(key) != actual_entries.get(key)
        }
        return f"{len(changed)} entr{'y differs' if len(changed) == 1 else 'ies differ'}"
    return None


def stale_catalogues(locale_dir: Path = LOCALE_DIR) -> dict[Path, str]:
    """Each .po whose compiled .mo is missing or out of date, with the reason."""
    reasons = {}
    for po_path in catalogue_files(locale_dir):
        reason = is_stale(po_path)
        if reason is not None:
            reasons[po_path] = reason
    return reasons


def compile_all(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Write the .mo next to every .po; returns the .mo paths."""
    written = []
    for po_path in catalogue_files(locale_dir):
        mo_path = po_path.with_suffix(".mo")
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        written.append(mo_path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only check that every .mo is up to date")
    args = parser.parse_args(argv)
    if not catalogue_files():
        print(f"No catalogues found under {LOCALE_DIR}", file=sys.stderr)
        return 1
    if args.check:
        stale = stale_catalogues()
        for po_path, reason in stale.items():
            print(f"{po_path.with_suffix('.mo')}: {reason}", file=sys.stderr)
        if stale:
            print("Run `python scripts/compile_messages.py` (or `make messages`).", file=sys.stderr)
            return 1
        print("Compiled catalogues are up to date.")
        return 0
    for mo_path in compile_all():
        print(f"Compiled {mo_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
