"""Descriptions are Markdown rendered to HTML that cannot run code or sneak in links."""

import pytest

from proposals.markup import render_markdown


def test_given_markdown_when_rendered_then_formatting_is_kept():
    html = render_markdown("Some **bold** and *italic*.\n\n- one\n- two")
    assert "<strong>bold</strong>" in html
    assert "<em>italic</em>" in html
    assert "<li>one</li>" in html


def test_given_a_link_when_rendered_then_it_gets_nofollow_ugc():
    html = render_markdown("[the plan](https://example.org/plan)")
    assert 'href="https://example.org/plan"' in html
    assert 'rel="nofollow ugc"' in html


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert('x')</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="#" onclick="alert(1)">click</a>',
        '<p onmouseover="alert(1)">hover</p>',
        "<iframe src='https://evil.example'></iframe>",
        '<svg onload="alert(1)"></svg>',
        '<div style="background:url(javascript:alert(1))">x</div>',
    ],
)
def test_given_html_with_code_when_rendered_then_no_script_or_handler_survives(source):
    html = render_markdown(source).lower()
    assert "<script" not in html
    assert "onerror" not in html and "onclick" not in html and "onload" not in html
    assert "onmouseover" not in html
    assert "<iframe" not in html
    assert "javascript:" not in html
    assert "style=" not in html


@pytest.mark.parametrize(
    "source",
    [
        "[x](javascript:alert(1))",
        "[x](JAVASCRIPT:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x](vbscript:msgbox)",
        '<a href="javascript:alert(1)">x</a>',
    ],
)
def test_given_a_dangerous_url_when_rendered_then_the_href_is_dropped(source):
    html = render_markdown(source).lower()
    assert "javascript:" not in html
    assert "data:" not in html
    assert "vbscript:" not in html


def test_given_a_top_heading_when_rendered_then_it_becomes_h2():
    assert render_markdown("# Title") == "<h2>Title</h2>"
