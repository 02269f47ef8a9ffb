"""Language (Vietnamese first, English second) and the date filters templates use."""
from flask import Blueprint, current_app, redirect, request, session, url_for
from flask_babel import get_locale

from . import clock
from .extensions import babel

bp = Blueprint("i18n", __name__)
COOKIE = "lang"


def select_locale() -> str:
    """The language chosen by cookie, else Vietnamese."""
    chosen = request.cookies.get(COOKIE)
    return chosen if chosen in current_app.config["LANGUAGES"] else "vi"


@bp.post("/language")
def set_language():
    """Remember the chosen language for a year and go back where the person was."""
    lang = request.form.get("lang", "vi")
    target = request.form.get("next") or url_for("home.index")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("home.index")  # never redirect off-site
    response = redirect(target)
    if lang in current_app.config["LANGUAGES"]:
        response.set_cookie(COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax",
                            httponly=True, secure=current_app.config["PRODUCTION"])
    return response


def init_app(app):
    """Attach Babel and the template helpers."""
    from pathlib import Path
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(Path(__file__).parent / "translations"))
    app.register_blueprint(bp)
    app.jinja_env.filters["date"] = clock.format_date
    app.jinja_env.filters["datetime"] = clock.format_datetime
    app.jinja_env.filters["reject_page"] = lambda args: {
        k: v for k, v in args.items() if k != "page"}
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
    # True once, on the first page after signing in (read by app.js to sync at once).
    app.jinja_env.globals["fresh_sign_in"] = lambda: bool(session.pop("just_signed_in", False))
