"""A contract whose rule-firing clauses (and file name) carry HTML, script, Markdown, LaTeX and
HTML entities: the review app, the exports and the CSVs must show all of it as inert text."""

from __future__ import annotations

import re

SCRIPT = "<script>window.__pwned=1;alert(1)</script>"
IMG = '<img src=x onerror="window.__pwned=1;alert(1)">'
IFRAME = '<iframe src="http://evil.example/frame" onload="window.__pwned=1"></iframe>'
MARKDOWN = "**bold** [link](http://evil.example) ![img](http://evil.example/x.png)"
LATEX = "$x^2$ and $$\\int_0^1 f(x)\\,dx$$"
ENTITIES = "&lt;b&gt;not bold&lt;/b&gt; &amp; &#60;i&#62;"
# every payload, so that a test can look for any one of them
PAYLOADS = (SCRIPT, IMG, IFRAME, MARKDOWN, LATEX, ENTITIES)
NAME = "<img src=x onerror=alert(1)> **Acme** [MSA](evil.example) www.evil.example :red[x] $x^2$ &amp; <script>alert(1)<\\script>.txt"
DANGEROUS_CELL_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet runs such a cell as a formula
FORMULA_CLAUSES = ("=", "+", "-", "@")  # the contract has a rule-firing clause starting with each

CONTRACT = f"""MASTER SERVICES AGREEMENT {SCRIPT}

This Agreement is made by and between the Provider and the Customer (the parties).

# 1. Service Levels {MARKDOWN}

1.1 The Provider shall use commercially reasonable efforts to restore the Services {SCRIPT} within {LATEX} hours.

@SUM(A1) {IMG} The Provider's aggregate liability shall not exceed the fees paid in the twelve (12) months {ENTITIES}.

-1 The Customer shall indemnify, defend and hold harmless the Provider {IFRAME} from any claims, see http://evil.example.

=HYPERLINK("http://evil.example","click") The Provider shall not be liable for any indirect or consequential damages.

## 2. Security {MARKDOWN}

2.1 Provider shall notify the Customer by e-mail {SCRIPT} within twenty-four (24) hours after Provider discovers a Security Incident {LATEX}.

2.2 Provider will ensure that the Customer's network is protected against all viruses, ransomware and malware {IMG}.

+1 Provider guarantees that the data will be fully recoverable from backup within four (4) hours {MARKDOWN}.
"""


def _spans(markdown: str):
    """(text, is_code) pieces of ``markdown``: code spans (shown as typed) and the rest."""
    i = 0
    for m in re.finditer(r"(?<!\\)(`+)(.*?[^`])\1(?!`)", markdown):
        yield markdown[i : m.start()], False
        yield m.group(2).strip(" "), True
        i = m.end()
    yield markdown[i:], False


def unescaped(markdown: str) -> str:
    """``markdown`` with code spans and backslash-escaped characters replaced by NULs: what is left
    is what a Markdown renderer (Streamlit's included) would interpret."""
    out = []
    for text, code in _spans(markdown):
        if code:
            out.append("\0" * len(text))
            continue
        chars = iter(text)
        for ch in chars:
            out.append("\0" if ch == "\\" and next(chars, None) is not None else ch)
    return "".join(out)


def literal(markdown: str) -> str:
    """The characters a Markdown renderer shows for ``markdown`` when it only holds escapes and
    code spans."""
    out = []
    for text, code in _spans(markdown):
        if code:
            out.append(text)
            continue
        chars = iter(text)
        for ch in chars:
            out.append(next(chars, ch) if ch == "\\" else ch)
    return "".join(out)


def interpreted(markdown: str) -> list[str]:
    """The pieces of the hostile payloads that ``markdown`` leaves for a Markdown renderer to
    interpret (HTML tags, emphasis, links, images, maths, entities); [] when all are escaped."""
    live = unescaped(markdown)
    pieces = (
        "<script",
        "<img",
        "<iframe",
        "<b>",
        "**Acme**",
        "**bold**",
        "](",
        "![",
        "$x",
        "$$",
        "&amp;",
        "&lt;",
        "&#",
    )
    return [p for p in pieces if p in live]


def contract_v2() -> str:
    """A second version with changed clauses (for the Changes tab's word diffs)."""
    return CONTRACT.replace("commercially reasonable efforts", f"best efforts {IMG}").replace(
        "twenty-four (24) hours", f"forty-eight (48) hours {SCRIPT}"
    )


def contract_docx() -> bytes:
    """The same contract as a Word document (one paragraph a block, headings as headings)."""
    from conftest import make_docx

    def build(document):
        for block in CONTRACT.split("\n\n"):
            block = block.strip()
            if block.startswith("#"):
                document.add_heading(block.lstrip("# "), level=block.count("#", 0, 3))
            else:
                document.add_paragraph(block)

    return make_docx(build)
