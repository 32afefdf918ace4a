"""The exported page's stylesheets: one for browsers (light, dark, print), one for Qt's printing.

Nothing here loads anything: no ``url(``, no ``@import``, no web fonts (the reader's own
system fonts are named). Dark colours apply on screens only, so printing from a browser
in dark mode still gives dark text on white paper.
"""

from __future__ import annotations

from functools import cache

from grokdesk.export.page.code import pygments_css

LIGHT_CODE_STYLE = "friendly"
DARK_CODE_STYLE = "github-dark"

_BASE = """
:root { color-scheme: light dark; --fg: #1f2328; --bg: #ffffff; --muted: #59636e;
  --border: #d1d9e0; --panel: #f6f8fa; --user: #ddf4ff; --link: #0969da;
  --inline-code: #eff1f3; --marker: #cf222e; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0 auto; max-width: 52rem; padding: 1.5rem 1rem 3rem; color: var(--fg);
  background: var(--bg); font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto,
  "Noto Sans", "DejaVu Sans", sans-serif; overflow-wrap: anywhere; }
a { color: var(--link); }
h1.title { font-size: 1.6rem; margin: 0 0 .25rem; }
.about { color: var(--muted); font-size: .85rem; margin: 0 0 1.5rem; }
.message { margin: 0 0 1.5rem; padding: 0 0 1rem; border-bottom: 1px solid var(--border); }
.message:last-child { border-bottom: none; }
.role { font-weight: 600; font-size: .9rem; margin: 0 0 .35rem; }
.role time { color: var(--muted); font-weight: 400; }
.user .text { background: var(--user); border-radius: .6rem; padding: .1rem .9rem; }
.system .text { color: var(--muted); }
.text > :first-child { margin-top: .5rem; }
.text > :last-child { margin-bottom: .5rem; }
.small-print, .status { color: var(--muted); font-size: .8rem; margin: .35rem 0 0; }
.status { color: var(--marker); }
details.reasoning { margin: .25rem 0 .75rem; padding: .25rem .75rem;
  border-left: 3px solid var(--border); color: var(--muted); }
details.reasoning summary { cursor: pointer; font-size: .85rem; }
p.pre, .reasoning-text { white-space: pre-wrap; }
blockquote { margin: .5rem 0; padding: 0 .9rem; border-left: 3px solid var(--border);
  color: var(--muted); }
table { border-collapse: collapse; margin: .5rem 0; display: block; overflow-x: auto; }
th, td { border: 1px solid var(--border); padding: .3rem .6rem; }
th { background: var(--panel); }
.left { text-align: left; } .center { text-align: center; } .right { text-align: right; }
code { font: .9em/1.45 ui-monospace, "SFMono-Regular", Menlo, Consolas,
  "DejaVu Sans Mono", monospace; }
:not(pre) > code { background: var(--inline-code); border-radius: .3rem; padding: .1em .3em; }
.code { border-radius: .4rem; margin: .6rem 0; overflow: hidden; }
.code pre { margin: 0; padding: .7rem .9rem; overflow-x: auto; white-space: pre-wrap; }
.code-lang { font-size: .75rem; padding: .3rem .9rem 0; opacity: .7; }
.invisible { color: var(--marker); }
.muted { color: var(--muted); }
svg.math { display: inline; overflow: visible; }
.math-display { text-align: center; overflow-x: auto; margin: .6rem 0; }
.math-source { white-space: pre-wrap; }
"""

_DARK = """
:root { --fg: #e6edf3; --bg: #0d1117; --muted: #9198a1; --border: #3d444d;
  --panel: #151b23; --user: #0d2d4a; --link: #4493f8; --inline-code: #262c36;
  --marker: #ff7b72; }
"""

_PRINT = """
:root { --fg: #000000; --bg: #ffffff; --muted: #444c56; --border: #b0b8c1;
  --panel: #f3f4f6; --user: #eef5fb; --link: #0b4fa8; --inline-code: #f0f1f3; }
body { max-width: none; padding: 0; font-size: 11pt; }
.code, .math-display, table, blockquote, .role { page-break-inside: avoid;
  break-inside: avoid; }
.role { page-break-after: avoid; break-after: avoid; }
.code pre { overflow: visible; }
details.reasoning { border-left-color: var(--border); }
a { text-decoration: underline; }
"""


@cache
def page_css() -> str:
    """The whole stylesheet of an HTML export."""
    light = pygments_css(LIGHT_CODE_STYLE, ".code")
    dark = pygments_css(DARK_CODE_STYLE, ".code")
    return (f"{_BASE.strip()}\n{light}\n"
            f"@media screen and (prefers-color-scheme: dark) {{\n{_DARK.strip()}\n{dark}\n"
            # github-dark's background is the page's own: a panel colour sets blocks apart
            ".code { background: var(--panel); }\n}\n"
            f"@media print {{\n{_PRINT.strip()}\n{light}\n}}\n")


_QT_PRINT = """
body { color: #000000; font-size: 10.5pt; }
h1.title { font-size: 17pt; }
.about, .small-print, .muted, .role-time { color: #555555; }
.about, .small-print { font-size: 8.5pt; }
.role { font-weight: bold; font-size: medium; margin-top: 14px; margin-bottom: 4px; }
.status { color: #a40e26; font-size: 8.5pt; }
.reasoning-head { color: #555555; font-size: 9pt; font-style: italic; }
.reasoning-text { color: #555555; }
p.pre { white-space: pre-wrap; }
table { border-color: #b0b8c1; margin-top: 6px; margin-bottom: 6px; }
pre { background-color: #f3f4f6; font-family: "DejaVu Sans Mono", monospace;
  font-size: 9pt; }
code { font-family: "DejaVu Sans Mono", monospace; background-color: #eff1f3; }
pre code { background-color: #f3f4f6; }
blockquote { color: #444c56; }
th { background-color: #eaeef2; }
.invisible { color: #cf222e; }
a { color: #0b4fa8; }
"""


@cache
def print_css() -> str:
    """The stylesheet for Qt's QTextDocument when printing (no media queries, no variables)."""
    return f"{_QT_PRINT.strip()}\n{pygments_css(LIGHT_CODE_STYLE, '.code')}\n"
