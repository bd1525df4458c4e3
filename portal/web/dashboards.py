"""The pipeline's dashboard pages inside the portal: their links, rewritten for the account.

The pages under ``dashboards/`` are written for a folder (``internal/projects/<id>.html`` links
to ``../overview.html``, the index to ``projects/<id>.html``). Inside the portal those relative
links would point to portal URLs that do not exist (404) or, for a provider, to pages it may not
see. So every link of a served page is resolved against the page's place in ``dashboards/``
and then either rewritten to the portal URL that serves that page to this account (opened in
the whole window, ``target="_top"``: the frame is sandboxed and has no cookies of its own) or
removed (the ``<a>`` element with its text). Links inside the page (``#…``) stay, and so do the
tables' CSV downloads (``<a download href="data:text/csv;…">``: the table as the page shows it,
inside the page itself). A link that leaves ``dashboards/`` (a scheme, an absolute path) goes
through a second question, ``external``: the analysts keep the links to the Dagster UI's asset
pages. Nothing inside ``<script>`` is touched (the inline Vega bundle and its data).
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Callable

_SCRIPT = re.compile(r"(<script\b.*?</script\s*>)", re.IGNORECASE | re.DOTALL)
_ANCHOR = re.compile(r"<a\b([^>]*)>(.*?)</a\s*>", re.IGNORECASE | re.DOTALL)
_HREF = re.compile(r"""\bhref\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_TARGET = re.compile(r"""\btarget\s*=\s*(?:"[^"]*"|'[^']*'|\S+)""", re.IGNORECASE)
_DOWNLOAD = re.compile(r"""(?<![\w-])download\s*=\s*(?:"[^"]*"|'[^']*')""", re.IGNORECASE)
#: a table's CSV as the dashboard writes it (esf_monitor.dashboard.render.csv_uri)
CSV_DATA = "data:text/csv;"

#: a page of dashboards/ ("internal/overview.html") → the portal URL serving it to this
#: account, or None when the account may not see it
Resolver = Callable[[str], "str | None"]


def resolve(page: str, href: str) -> str | None:
    """Where ``href`` of the page ``page`` (a path under ``dashboards/``) points, as a path
    under ``dashboards/`` — None for an absolute URL, a scheme or a path leaving the folder."""
    target = href.split("#", 1)[0].split("?", 1)[0]
    if not target or target.startswith("/") or ":" in target or "\\" in target:
        return None
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(page), target))
    if joined == ".." or joined.startswith("../") or joined.startswith("/"):
        return None
    return joined


def rewrite_links(content: str, page: str, portal_url: Resolver, external: Resolver | None = None) -> str:
    """Every ``<a href>`` of ``content`` (the page ``page`` of dashboards/) rewritten to the
    portal URL ``portal_url`` gives for its target, or removed; ``#…`` links and the tables' CSV
    downloads kept; a link leaving dashboards/ kept only where ``external`` gives it a URL."""

    def anchor(match: re.Match) -> str:
        attrs, text = match.group(1), match.group(2)
        found = _HREF.search(attrs)
        if found is None:  # a named anchor, no link
            return match.group(0)
        href = html.unescape(found.group(1) if found.group(1) is not None else found.group(2))
        if href.startswith("#") or (href.startswith(CSV_DATA) and _DOWNLOAD.search(attrs)):
            return match.group(0)
        dest = resolve(page, href)
        if dest is not None:
            url = portal_url(dest)
        else:
            url = external(href) if external is not None else None
        if url is None:
            return ""
        fragment = "#" + href.split("#", 1)[1] if "#" in href and dest is not None else ""
        rest = _TARGET.sub("", _HREF.sub("", attrs)).strip()
        rest = f" {rest}" if rest else ""
        return f'<a href="{html.escape(url + fragment)}" target="_top"{rest}>{text}</a>'

    parts = _SCRIPT.split(content)
    return "".join(part if i % 2 else _ANCHOR.sub(anchor, part) for i, part in enumerate(parts))
