"""Markdown for comments and topics: rendered with Markdown, then sanitised with nh3.

The same policy as proposals: a small set of tags, links get rel="nofollow ugc", only
http(s) and mailto URLs survive, no scripts, styles, event handlers or images.
"""

from __future__ import annotations

import markdown as markdown_lib

from proposals.markup import clean_html

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "a", "ul", "ol", "li", "blockquote", "code", "pre",
    "h3", "h4", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


def render_markdown(text: str) -> str:
    """Return safe HTML for ``text`` written in Markdown (raw HTML in it is escaped)."""
    # Raw HTML typed by a resident is shown as text, never interpreted: escape "<" first
    # (">" stays, for Markdown's block quotes).
    escaped = text.replace("<", "&lt;")
    html = markdown_lib.markdown(escaped, extensions=["sane_lists"], output_format="html")
    return clean_html(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES)
