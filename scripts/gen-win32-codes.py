#!/usr/bin/env python3
"""Generate crates/evtx-doctor/src/codes/win32_codes.tsv.

What it reads
-------------
1. Symbols and values: ``winerror.h`` from the Debian package
   ``mingw-w64-common`` (installed at /usr/share/mingw-w64/include/winerror.h;
   ``apt-get install -y mingw-w64-common``).  Every ``#define NAME <expr>``
   whose value evaluates to 0..=15999 is a candidate (``__MSABI_LONG(n)``,
   ``_HRESULT_TYPEDEF_(n)``, ``(WSABASEERR + n)`` style expressions are
   evaluated).  Range markers (``*_BASE``, ``*_FIRST``, ``*_LAST``, masks),
   facility/severity constants, plain aliases (``#define A B``) and
   HRESULT-typed constants (``S_OK``, ``S_FALSE``, ``SEC_E_OK``) are dropped.
2. Message texts: Microsoft's public "System Error Codes" pages
   (GitHub repository MicrosoftDocs/win32, files
   ``desktop-src/Debug/system-error-codes--<range>-.md``).  The pages are read
   from a directory (default /tmp/win32-pages/), never from the network.  Two
   file forms are understood:

   * ``*.md``  - the raw page as stored in MicrosoftDocs/win32 (e.g. a git
     checkout or a download of the raw file);
   * ``*.txt`` - a transcription of a page: ``#`` comment lines, then one entry
     per line, ``CODE SYMBOL MESSAGE`` (markup removed, one line per entry).

How it merges
-------------
For each code the symbol is the one the documentation uses when winerror.h
defines that name with the same value; otherwise the header's canonical name
(ERROR_*, then RPC_S_*/RPC_X_*/EPT_S_*, then other names; first defined wins);
codes only present in the documentation keep the documented symbol.  The
message is the documented text, whitespace collapsed to one line, no tabs;
codes without a documented text keep an empty message.

Output
------
``code<TAB>symbol<TAB>message`` lines sorted by code, after ``#`` comment lines
naming the sources and the command that generated the file.

How to re-run
-------------
    apt-get install -y mingw-w64-common
    # put the pages (raw .md or .txt transcriptions) in /tmp/win32-pages/
    python3 scripts/gen-win32-codes.py \
        [--header /usr/share/mingw-w64/include/winerror.h] \
        [--pages /tmp/win32-pages] \
        [--out crates/evtx-doctor/src/codes/win32_codes.tsv]

The generated TSV is committed, so builds never need these inputs.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import subprocess
import sys

MAX_CODE = 15999
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_HEADER = "/usr/share/mingw-w64/include/winerror.h"
DEFAULT_PAGES = "/tmp/win32-pages"
DEFAULT_OUT = os.path.join(
    REPO_ROOT, "crates", "evtx-doctor", "src", "codes", "win32_codes.tsv"
)

DEFINE_RE = re.compile(
    r"^\s*#\s*define\s+([A-Za-z_][A-Za-z_0-9]*)\s+(.+?)\s*(?://.*|/\*.*)?$"
)
WRAPPERS_RE = re.compile(
    r"__MSABI_LONG|_HRESULT_TYPEDEF_|_NDIS_ERROR_TYPEDEF_|"
    r"\(\s*(?:HRESULT|DWORD|LONG|long|ULONG|unsigned\s+long)\s*\)"
)
NUMBER_RE = re.compile(r"\b(0[xX][0-9A-Fa-f]+|\d+)[uUlL]*\b")
IDENT_RE = re.compile(r"\b[A-Za-z_][A-Za-z_0-9]*\b")
SAFE_EXPR_RE = re.compile(r"[0-9xXa-fA-F\s+\-|()<>&~]*")

SKIP_PREFIXES = ("FACILITY_", "SEVERITY_", "__")
SKIP_NAMES = {"NOERROR", "NO_ERROR", "WSABASEERR", "TBS_SUCCESS", "NTE_OP_OK"}
MARKER_RE = re.compile(r"(_BASE|_FIRST|_LAST|_MASK|_START|_END)$")
PRIORITY = (("ERROR_",), ("RPC_S_", "RPC_X_", "EPT_S_"))


def parse_header(path: str) -> dict[int, list[tuple[int, str]]]:
    """Returns value -> [(line, name), ...] for usable defines in range."""
    env: dict[str, int] = {}
    out: dict[int, list[tuple[int, str]]] = {}
    with open(path, encoding="latin-1") as fh:
        for lineno, line in enumerate(fh, 1):
            m = DEFINE_RE.match(line)
            if not m:
                continue
            name, expr = m.group(1), m.group(2).strip()
            hresult_typed = "_HRESULT_TYPEDEF_" in expr or "(HRESULT)" in expr
            is_alias = IDENT_RE.fullmatch(expr) is not None
            e = NUMBER_RE.sub(r"\1", WRAPPERS_RE.sub("", expr))
            try:
                e = IDENT_RE.sub(lambda t: str(env[t.group(0)]), e)
            except KeyError:
                continue
            if not SAFE_EXPR_RE.fullmatch(e):
                continue
            try:
                value = int(eval(e, {"__builtins__": {}}, {}))  # noqa: S307 - digits/operators only
            except Exception:  # noqa: BLE001 - anything unevaluable is skipped
                continue
            env[name] = value
            if not 0 <= value <= MAX_CODE or is_alias or hresult_typed:
                continue
            if name.startswith(SKIP_PREFIXES) or name in SKIP_NAMES:
                continue
            if MARKER_RE.search(name):
                continue
            out.setdefault(value, []).append((lineno, name))
    return out


def canonical(names: list[tuple[int, str]]) -> str:
    def rank(item: tuple[int, str]) -> tuple[int, int]:
        lineno, name = item
        for i, prefixes in enumerate(PRIORITY):
            if name.startswith(prefixes):
                return (i, lineno)
        return (len(PRIORITY), lineno)

    return min(names, key=rank)[1]


def clean_message(text: str) -> str:
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # [text](url)
    text = re.sub(r"<(https?://[^>\s]+)>", r"\1", text)  # <url>
    text = re.sub(r"<[^>]+>", " ", text)  # html tags
    text = text.replace("**", "")
    text = re.sub(r"\\(.)", r"\1", text)  # markdown escapes
    text = html.unescape(text)
    return " ".join(text.split())


RAW_ENTRY_RE = re.compile(
    r"\*\*([A-Za-z0-9_\\]+)\*\*\s*</dt>\s*<dd>\s*<dl>\s*<dt>\s*"
    r"(\d+)\s*\(0x[0-9A-Fa-f]+\)\s*</dt>\s*<dt>(.*?)</dt>",
    re.S,
)
TXT_ENTRY_RE = re.compile(r"^(\d+) ([A-Za-z0-9_]+) ?(.*)$")
SOURCE_RE = re.compile(r"^#\s*source:\s*(.+)$")


def parse_pages(directory: str) -> tuple[dict[int, tuple[str, str]], list[str]]:
    """Returns code -> (symbol, message) and the list of page sources."""
    entries: dict[int, tuple[str, str]] = {}
    sources: list[str] = []
    if not os.path.isdir(directory):
        return entries, sources
    for fname in sorted(os.listdir(directory)):
        path = os.path.join(directory, fname)
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        if fname.endswith(".md"):
            sources.append(fname)
            for m in RAW_ENTRY_RE.finditer(text):
                symbol = m.group(1).replace("\\", "")
                entries[int(m.group(2))] = (symbol, clean_message(m.group(3)))
        elif fname.endswith(".txt"):
            for line in text.splitlines():
                s = SOURCE_RE.match(line)
                if s:
                    sources.append(s.group(1).strip())
                    continue
                if not line.strip() or line.startswith("#"):
                    continue
                m = TXT_ENTRY_RE.match(line)
                if not m:
                    print(f"warning: {fname}: unparsed line: {line[:60]}", file=sys.stderr)
                    continue
                entries[int(m.group(1))] = (m.group(2), clean_message(m.group(3)))
    return entries, sources


def package_version(pkg: str) -> str:
    try:
        out = subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", pkg],
            capture_output=True, text=True, check=False,
        )
        return out.stdout.strip() or "unknown version"
    except OSError:
        return "unknown version"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--header", default=DEFAULT_HEADER)
    ap.add_argument("--pages", default=DEFAULT_PAGES)
    ap.add_argument("--out", default=DEFAULT_OUT)
    args = ap.parse_args()

    header = parse_header(args.header)
    docs, sources = parse_pages(args.pages)

    rows: list[tuple[int, str, str]] = []
    mismatched = 0
    for code in sorted(set(header) | set(docs)):
        names = header.get(code, [])
        header_names = {n for _, n in names}
        doc_symbol, message = docs.get(code, ("", ""))
        if doc_symbol and doc_symbol in header_names:
            symbol = doc_symbol
        elif names:
            symbol = canonical(names)
            if doc_symbol:
                mismatched += 1
        else:
            symbol = doc_symbol
        message = message.replace("\t", " ")
        rows.append((code, symbol, message))

    with_msg = sum(1 for _, _, m in rows if m)
    with open(args.out, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(
            "# Win32 error codes 0..=15999: code<TAB>symbol<TAB>message. Generated; do not edit.\n"
        )
        fh.write(
            f"# symbols: winerror.h from Debian mingw-w64-common "
            f"{package_version('mingw-w64-common')}\n"
        )
        fh.write(
            "# messages: Microsoft 'System Error Codes' pages, MicrosoftDocs/win32 "
            "desktop-src/Debug/system-error-codes--*.md; pages read: "
            f"{len(sources)}\n"
        )
        for src in sources:
            fh.write(f"#   {src}\n")
        fh.write(
            f"# entries: {len(rows)}, with message: {with_msg}\n"
            "# regenerate: python3 scripts/gen-win32-codes.py "
            "[--header PATH] [--pages DIR] [--out PATH]\n"
        )
        for code, symbol, message in rows:
            fh.write(f"{code}\t{symbol}\t{message}\n")

    print(
        f"wrote {args.out}: {len(rows)} entries, {with_msg} with message, "
        f"{len(header)} codes from header, {len(docs)} from pages, "
        f"{mismatched} documented symbols replaced by header names",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
