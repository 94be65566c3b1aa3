"""Every UI string can be shown in Spanish; the switcher changes the language."""

from django.urls import reverse

from tests.factories import make_cycle


def test_language_switcher_shows_spanish(client, db):
    make_cycle(phase="ideas")
    response = client.post(reverse("set_language"), {"language": "es", "next": "/"})
    assert response.status_code == 302
    body = client.get("/").content.decode()
    assert '<html lang="es">' in body
    assert "Propón un proyecto" in body
    assert "Saltar al contenido principal" in body


def test_spanish_catalogue_is_complete():
    """Every message in the Spanish catalogue has a translation (none left empty or fuzzy)."""
    from pathlib import Path

    import polib

    po = polib.pofile(
        str(Path(__file__).resolve().parents[2] / "pbudget/locale/es/LC_MESSAGES/django.po")
    )
    missing = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert missing == [] and fuzzy == []
    assert len(po.translated_entries()) > 100
