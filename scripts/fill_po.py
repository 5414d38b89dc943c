"""Fills empty msgstr entries of locale/en/LC_MESSAGES/django.po from scripts/translations_en.json.

Usage: python scripts/fill_po.py  (then `manage.py compilemessages`). Entries already
translated in the .po are kept; the JSON is the glossary we grow as screens are added.
"""

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale/en/LC_MESSAGES/django.po"
GLOSSARY = ROOT / "scripts/translations_en.json"


def main() -> int:
    glossary = json.loads(GLOSSARY.read_text(encoding="utf-8"))
    text = PO.read_text(encoding="utf-8")
    # Single-line msgid followed by an empty single-line msgstr.
    pattern = re.compile(r'^(msgid "((?:[^"\\]|\\.)+)"\n)msgstr ""\n(?!")', re.M)
    missing = []

    def replace(match):
        msgid = match.group(2).encode("utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")
        if msgid in glossary:
            value = glossary[msgid].replace("\\", "\\\\").replace('"', '\\"')
            return f'{match.group(1)}msgstr "{value}"\n'
        missing.append(msgid)
        return match.group(0)

    text = pattern.sub(replace, text)
    # Only the header loses its fuzzy flag; makemessages' fuzzy guesses stay for a person to check.
    text = text.replace('#, fuzzy\nmsgid ""\nmsgstr ""\n', 'msgid ""\nmsgstr ""\n', 1)
    fuzzy = text.count("#, fuzzy")
    if fuzzy:
        print(f"fuzzy (ignored by Django until checked): {fuzzy}")
    PO.write_text(text, encoding="utf-8")
    print(f"untranslated: {len(missing)}")
    for m in missing:
        print("  ", m)
    return 0


if __name__ == "__main__":
    sys.exit(main())
