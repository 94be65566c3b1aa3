"""The sanitiser: Markdown in, safe HTML out."""

import pytest

from deliberation.markdown import render_markdown


def test_given_markdown_when_rendered_then_formatting_and_links_with_nofollow_ugc():
    html = render_markdown("**bold** and [a link](https://example.org)\n\n- one\n- two")
    assert "<strong>bold</strong>" in html
    assert '<a href="https://example.org" rel="nofollow ugc">a link</a>' in html
    assert "<li>one</li>" in html


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="https://x.org" onclick="steal()">x</a>',
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
        '<iframe src="https://evil.example"></iframe>',
        "<style>body{display:none}</style>",
    ],
)
def test_given_hostile_input_when_rendered_then_no_script_handler_or_dangerous_url(text):
    html = render_markdown(text).lower()
    assert "<script" not in html
    assert "onerror=" not in html.replace("&lt;", "") or "<img" not in html
    assert "<img" not in html and "<iframe" not in html and "<style" not in html
    assert 'href="javascript' not in html and 'href="data' not in html
    assert " onclick=" not in html.split("&lt;")[0]


def test_given_raw_html_when_rendered_then_shown_as_text():
    assert render_markdown("<b>hi</b>") == "<p>&lt;b&gt;hi&lt;/b&gt;</p>"


def test_given_a_quote_when_rendered_then_blockquote():
    assert "<blockquote>" in render_markdown("> as they said")
