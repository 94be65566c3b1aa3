"""Markdown written by residents, rendered to HTML that is safe to show to everyone."""

from __future__ import annotations

import markdown
import nh3

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th",
    "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str) -> str:
    """Render ``text`` (Markdown) to sanitised HTML.

    Raw HTML in the input is escaped by Markdown's `html` being passed through nh3, which
    keeps only the tags above: no scripts, no inline event handlers, no style, no
    ``javascript:`` or ``data:`` URLs; every link gets ``rel="nofollow ugc"``. Headings
    start at h2 because the page's h1 is the proposal's title.
    """
    html = markdown.markdown(text or "", extensions=["sane_lists", "tables"], output_format="html")
    html = (
        html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")  # one h1 per page
    )
    return clean_html(html)


def clean_html(
    html: str,
    *,
    tags: set[str] = ALLOWED_TAGS,
    attributes: dict[str, set[str]] = ALLOWED_ATTRIBUTES,
) -> str:
    """Keep only ``tags`` and ``attributes``: the one sanitising policy of pbudget.

    Only http(s) and mailto URLs survive; links get ``rel="nofollow ugc"``; comments,
    scripts, styles and event handlers go. Discussions use it with fewer tags.
    """
    return nh3.clean(
        html,
        tags=tags,
        attributes=attributes,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="nofollow ugc",
        strip_comments=True,
    )
