#!/usr/bin/env python3
"""Generate crates/evtx-doctor/src/codes/aadsts_codes.tsv.

What it reads
-------------
Microsoft's page "Microsoft Entra authentication and authorization error codes"
(https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes;
source file docs/identity-platform/reference-error-codes.md of the GitHub
repository MicrosoftDocs/entra-docs), saved as a file, never fetched: every
``*.md`` file in ``--pages`` (default /tmp/aadsts-page/) is read, and every
table row of the form

    | AADSTS50126 | InvalidUserNameOrPassword - Error validating credentials ... |

is an entry.  A file may be the raw page, or a transcription of its rows (the
same row form).  ``# source: ...`` lines name where a file's rows come from and
``ms.date: ...`` (the page's front matter) its date; both go into the TSV
header.  Files are read in name order; a code already read keeps its first
entry, so the page (``reference-error-codes.md``) wins over a supplement file
(``supplement.md``) holding codes from other Microsoft documents.

How a row is read
-----------------
* name: the identifier before `` - `` that starts most descriptions
  (``InvalidUserNameOrPassword``), or the first such identifier of a list item
  (``<li>IdsLocked - ...``); a description that is a bare identifier
  (``SasNonRetryableError``) is only a name.  Rows without one keep an empty
  name.
* meaning: the rest of the description with Markdown and HTML markup removed
  (links become their text, list items are joined with "; "), white space
  collapsed, cut after its first sentence.

Output
------
``code<TAB>name<TAB>meaning`` lines sorted by code (the number after
``AADSTS``), after ``#`` comment lines naming the sources and the command.

How to re-run
-------------
    # save the page (raw .md) or a transcription of its rows in /tmp/aadsts-page/
    python3 scripts/gen-aadsts-codes.py [--pages DIR] [--out PATH]

The generated TSV is committed, so builds never need the page.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_PAGES = "/tmp/aadsts-page"
DEFAULT_OUT = os.path.join(
    REPO_ROOT, "crates", "evtx-doctor", "src", "codes", "aadsts_codes.tsv"
)

ROW_RE = re.compile(r"^\|\s*AADSTS(\d{1,9})\s*\|(.*?)(?:\|\s*)?$")
NAME_RE = re.compile(r"^([A-Z][A-Za-z0-9_]*[a-z][A-Za-z0-9_]*)\s*-\s*(.*)$", re.S)
BARE_NAME_RE = re.compile(r"^[A-Z][A-Za-z0-9_]*[a-z][A-Za-z0-9_]*$")
LIST_NAME_RE = re.compile(r"<li>\s*([A-Z][A-Za-z0-9_]*[a-z][A-Za-z0-9_]*)\s*-\s*")
SOURCE_RE = re.compile(r"^#\s*source:\s*(.+)$")
DATE_RE = re.compile(r"^ms\.date:\s*(.+)$")
SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z'\"(])")


def clean(text: str) -> str:
    """Markup removed, white space collapsed, one line."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # [text](url)
    text = re.sub(r"</li>\s*<li>", "; ", text)
    text = re.sub(r"<br\s*/?>|</?ul>|</?li>", " ", text)
    text = re.sub(r"<[^>]+>", " ", text)
    text = text.replace("**", "").replace("`", "")
    text = re.sub(r"\\(.)", r"\1", text)  # markdown escapes
    text = html.unescape(text).replace("\t", " ")
    return " ".join(text.split())


def first_sentence(text: str) -> str:
    return SENTENCE_END_RE.split(text, maxsplit=1)[0]


def read_row(code: int, description: str) -> tuple[str, str]:
    """(name, meaning) of one row's description."""
    description = description.strip()
    description = re.sub(rf"^AADSTS{code}\s*:\s*", "", description)
    if BARE_NAME_RE.fullmatch(description):
        return description, ""
    m = NAME_RE.match(description)
    if m:
        return m.group(1), first_sentence(clean(m.group(2)))
    m = LIST_NAME_RE.search(description)
    if m:
        rest = description[m.end():]
        return m.group(1), first_sentence(clean(rest))
    return "", first_sentence(clean(description))


def read_pages(directory: str):
    entries: dict[int, tuple[str, str]] = {}
    sources: list[str] = []
    dates: list[str] = []
    for fname in sorted(os.listdir(directory)):
        if not fname.endswith(".md"):
            continue
        with open(os.path.join(directory, fname), encoding="utf-8") as fh:
            for line in fh:
                line = line.rstrip("\n")
                s = SOURCE_RE.match(line)
                if s:
                    sources.append(s.group(1).strip())
                    continue
                d = DATE_RE.match(line)
                if d:
                    dates.append(f"{fname}: {d.group(1).strip()}")
                    continue
                m = ROW_RE.match(line)
                if not m:
                    continue
                code = int(m.group(1))
                if code not in entries:
                    entries[code] = read_row(code, m.group(2))
    return entries, sources, dates


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--pages", default=DEFAULT_PAGES)
    ap.add_argument("--out", default=DEFAULT_OUT)
    args = ap.parse_args()

    if not os.path.isdir(args.pages):
        print(f"error: {args.pages}: no such directory", file=sys.stderr)
        return 2
    entries, sources, dates = read_pages(args.pages)
    if not entries:
        print(f"error: {args.pages}: no AADSTS rows found", file=sys.stderr)
        return 2
    named = sum(1 for name, _ in entries.values() if name)
    with open(args.out, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(
            "# Microsoft Entra ID (AADSTS) error codes: code<TAB>name<TAB>meaning. "
            "Generated; do not edit.\n"
        )
        fh.write(
            "# page: 'Microsoft Entra authentication and authorization error codes', "
            "https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes\n"
        )
        for src in sources:
            fh.write(f"#   {src}\n")
        for date in dates:
            fh.write(f"#   page date: {date}\n")
        fh.write(
            f"# entries: {len(entries)}, with a name: {named}\n"
            "# regenerate: python3 scripts/gen-aadsts-codes.py [--pages DIR] [--out PATH]\n"
        )
        for code in sorted(entries):
            name, meaning = entries[code]
            fh.write(f"{code}\t{name}\t{meaning}\n")
    print(
        f"wrote {args.out}: {len(entries)} entries, {named} with a name",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
