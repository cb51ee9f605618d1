"""The Traditional and Simplified Chinese catalogues are complete, correct and compiled.

en, zh-hant and zh-hans are all first-class: every string in the code must be
translated in both catalogues, keep its placeholders, and be in the .mo files
Django actually reads. None of these tests needs the database.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from types import ModuleType

import polib
import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, ngettext, templatize, to_locale

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = ROOT / "frontdesk"
LOCALE_DIR = PACKAGE_DIR / "locale"
CHINESE = ["zh_Hant", "zh_Hans"]


def _load_compile_messages() -> ModuleType:
    path = ROOT / "scripts" / "compile_messages.py"
    spec = importlib.util.spec_from_file_location("compile_messages", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


compile_messages = _load_compile_messages()


def _po_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / "django.po"


def _catalogue(locale: str) -> polib.POFile:
    return polib.pofile(str(_po_path(locale)))


def _live_entries(po: polib.POFile) -> list[polib.POEntry]:
    return [entry for entry in po if not entry.obsolete]


def _translations(entry: polib.POEntry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural[index] for index in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


# %(name)s, %(count)d, %s, %5.2f ... and Django template variables {{ name }}.
# A literal %% is not a placeholder; %( without a closing ) is not either.
PRINTF = re.compile(
    r"%(?:\((?P<name>[^)]+)\))?[#0\- +]*(?:\d+|\*)?(?:\.(?:\d+|\*))?(?P<conversion>[diouxXeEfFgGcrsa%])"
)
TEMPLATE_VARIABLE = re.compile(r"\{\{\s*(?P<name>[\w.|:\"' ]+?)\s*\}\}")


def placeholders(text: str) -> tuple[frozenset[str], Counter[str], frozenset[str]]:
    """Named printf placeholders, positional printf placeholders (in order of kind), template variables."""
    named: set[str] = set()
    positional: Counter[str] = Counter()
    for match in PRINTF.finditer(text):
        if match["conversion"] == "%":
            continue
        if match["name"] is not None:
            named.add(f"%({match['name']}){match['conversion']}")
        else:
            positional[match["conversion"]] += 1
    variables = frozenset(match["name"] for match in TEMPLATE_VARIABLE.finditer(text))
    return frozenset(named), positional, variables


def test_placeholder_parser_sees_what_python_formats() -> None:
    assert placeholders("%(size)d MB of %(limit)d MB, 100%%") == (
        frozenset({"%(size)d", "%(limit)d"}),
        Counter(),
        frozenset(),
    )
    assert placeholders("%s and %d and {{ counter }}") == (
        frozenset(),
        Counter({"s": 1, "d": 1}),
        frozenset({"counter"}),
    )


def test_every_language_in_settings_has_a_catalogue() -> None:
    expected = {to_locale(code) for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE}
    assert expected == set(CHINESE)
    for locale in CHINESE:
        assert _po_path(locale).exists(), f"{locale} has no catalogue"


@pytest.mark.parametrize("locale", CHINESE)
def test_catalogue_headers(locale: str) -> None:
    po = _catalogue(locale)
    assert not po.metadata_is_fuzzy, f"{locale}: the header is marked fuzzy"
    assert po.metadata.get("Language") == locale
    assert "charset=UTF-8" in po.metadata.get("Content-Type", "")
    assert po.metadata.get("Plural-Forms", "").replace(" ", "") == "nplurals=1;plural=0;"


@pytest.mark.parametrize("locale", CHINESE)
def test_every_message_is_translated_and_none_is_fuzzy(locale: str) -> None:
    po = _catalogue(locale)
    entries = _live_entries(po)
    assert entries, f"{locale}: the catalogue is empty"
    fuzzy = [entry.msgid for entry in entries if "fuzzy" in entry.flags]
    untranslated = [entry.msgid for entry in entries if not all(text.strip() for text in _translations(entry))]
    assert not fuzzy, f"{locale}: fuzzy entries: {fuzzy}"
    assert not untranslated, f"{locale}: untranslated entries: {untranslated}"
    wrong_plurals = [entry.msgid for entry in entries if entry.msgid_plural and sorted(entry.msgstr_plural) != [0]]
    assert not wrong_plurals, f"{locale}: Chinese has exactly one plural form (msgstr[0]): {wrong_plurals}"


@pytest.mark.parametrize("locale", CHINESE)
def test_translations_keep_their_placeholders(locale: str) -> None:
    problems = []
    for entry in _live_entries(_catalogue(locale)):
        # Chinese has one form, used for every count: it is the plural form's counterpart.
        source = entry.msgid_plural or entry.msgid
        expected = placeholders(source)
        for text in _translations(entry):
            found = placeholders(text)
            if found != expected:
                problems.append(f"{source!r} -> {text!r}: expected {expected}, found {found}")
    assert not problems, f"{locale}:\n" + "\n".join(problems)


def test_compiled_catalogues_are_up_to_date() -> None:
    stale = compile_messages.stale_catalogues(LOCALE_DIR)
    assert not stale, f"Out-of-date .mo files {stale}: run `python scripts/compile_messages.py`"
    for locale in CHINESE:
        assert _po_path(locale).with_suffix(".mo").exists()


def test_the_check_notices_a_changed_translation(tmp_path: Path) -> None:
    locale_dir = tmp_path / "locale"
    shutil.copytree(LOCALE_DIR, locale_dir)
    assert compile_messages.stale_catalogues(locale_dir) == {}
    po_path = locale_dir / "zh_Hant" / "LC_MESSAGES" / "django.po"
    po = polib.pofile(str(po_path))
    entry = po.find("Inbox")
    assert entry is not None
    entry.msgstr = "收件夾"
    po.save(str(po_path))
    assert set(compile_messages.stale_catalogues(locale_dir)) == {po_path}
    compile_messages.compile_all(locale_dir)
    assert compile_messages.stale_catalogues(locale_dir) == {}
    po_path.with_suffix(".mo").unlink()
    assert compile_messages.stale_catalogues(locale_dir) == {po_path: "missing"}


# The same extraction as `frontdesk makemessages` run from the frontdesk directory.
EXTENSIONS = {".py", ".html", ".txt"}
XGETTEXT = [
    "xgettext",
    "--language=Python",
    "--from-code=UTF-8",
    "--keyword=gettext_noop",
    "--keyword=gettext_lazy",
    "--keyword=ngettext_lazy:1,2",
    "--keyword=pgettext:1c,2",
    "--keyword=npgettext:1c,2,3",
    "--keyword=pgettext_lazy:1c,2",
    "--keyword=npgettext_lazy:1c,2,3",
    "--output=-",
]


def _translatable_files() -> list[Path]:
    ignored_dirs = {"locale", "__pycache__", "CVS"}
    files = []
    for path in sorted(PACKAGE_DIR.rglob("*")):
        relative = path.relative_to(PACKAGE_DIR)
        if any(part.startswith(".") or part in ignored_dirs for part in relative.parts):
            continue
        if path.is_file() and path.suffix in EXTENSIONS:
            files.append(path)
    return files


def extract_messages(work_dir: Path) -> polib.POFile:
    """A fresh POT of every translatable string in the frontdesk package."""
    inputs = []
    for path in _translatable_files():
        if path.suffix == ".py":
            inputs.append(str(path))
        else:
            relative = path.relative_to(PACKAGE_DIR)
            templatized = work_dir / f"{relative}.py"
            templatized.parent.mkdir(parents=True, exist_ok=True)
            templatized.write_text(templatize(path.read_text(encoding="utf-8"), origin=str(relative)), encoding="utf-8")
            inputs.append(str(templatized))
    files_from = work_dir / "files.txt"
    files_from.write_text("\n".join(inputs) + "\n", encoding="utf-8")
    result = subprocess.run(
        [*XGETTEXT, f"--files-from={files_from}"], capture_output=True, text=True, encoding="utf-8", check=False
    )
    assert result.returncode == 0, result.stderr
    return polib.pofile(result.stdout)


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext's xgettext is not installed")
def test_catalogues_cover_every_string_in_the_code(tmp_path: Path) -> None:
    extracted = extract_messages(tmp_path)
    wanted = {(entry.msgctxt, entry.msgid, entry.msgid_plural or None) for entry in extracted if entry.msgid}
    assert "Inbox" in {msgid for _ctx, msgid, _plural in wanted}, "the extraction found nothing"
    for locale in CHINESE:
        have = {(entry.msgctxt, entry.msgid, entry.msgid_plural or None) for entry in _live_entries(_catalogue(locale))}
        missing = sorted(wanted - have, key=str)
        assert not missing, (
            f"{locale} lacks {len(missing)} string(s) from the code: {missing}\n"
            "Run `make messages`, translate the new entries and commit the .po and .mo files."
        )


@pytest.mark.parametrize(
    "language,inbox,sign_out,conversations",
    [
        ("zh-hant", "收件匣", "登出", "3 個對話"),
        ("zh-hans", "收件箱", "退出登录", "3 个对话"),
        ("en", "Inbox", "Sign out", "3 conversations"),
    ],
)
def test_django_renders_the_translations(language: str, inbox: str, sign_out: str, conversations: str) -> None:
    with translation.override(language):
        assert gettext("Inbox") == inbox
        assert gettext("Sign out") == sign_out
        # The inbox's count (its shown number may read "999+", hence a separate placeholder).
        counted = ngettext("%(shown)s conversation", "%(shown)s conversations", 3) % {"shown": 3}
        assert counted == conversations


def test_language_names_are_written_in_each_script() -> None:
    with translation.override("zh-hant"):
        assert [str(name) for _code, name in settings.LANGUAGES] == ["English", "繁體中文", "簡體中文"]
    with translation.override("zh-hans"):
        assert [str(name) for _code, name in settings.LANGUAGES] == ["English", "繁体中文", "简体中文"]
