"""The app factory and the parts every page shares."""
from pathlib import Path

from directory import create_app


def test_factory_points_at_top_level_templates_and_static(app):
    root = Path(__file__).resolve().parent.parent
    assert Path(app.template_folder) == root / "templates"
    assert Path(app.static_folder) == root / "static"
    assert (Path(app.static_folder) / "css" / "wegweiser.css").exists()


def test_production_without_secret_key_refuses_to_start(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    import directory.config as cfg
    monkeypatch.setattr(cfg.Path, "exists", lambda self: False)
    try:
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    except RuntimeError as exc:
        assert "SECRET_KEY" in str(exc)
    else:
        raise AssertionError("app started without SECRET_KEY")


def test_pages_share_one_layout_with_skip_link_and_language_switch(client):
    html = client.get("/ueber").get_data(as_text=True)
    assert 'class="skip-link"' in html and 'id="ui-lang"' in html
    assert '<html lang="de" dir="ltr">' in html


def test_unknown_page_is_a_translated_404(client):
    response = client.get("/gibt-es-nicht")
    assert response.status_code == 404
    assert "Diese Seite gibt es nicht" in response.get_data(as_text=True)
