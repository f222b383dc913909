"""The pages' language: Chinese or English, chosen with `?lang=`, remembered in a cookie.

The data is bilingual (Chinese as the report writes it, English from the curation); the pages show
one language first and the other beside it. Order of choice: `?lang=`, the cookie, Accept-Language,
then English.
"""
from __future__ import annotations

from collections.abc import Mapping

from flask import Request, Response

LANGUAGES = ("en", "zh")
COOKIE = "reformkg_lang"
COOKIE_AGE = 365 * 24 * 3600


def language(request: Request) -> str:
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    remembered = request.cookies.get(COOKIE)
    if remembered in LANGUAGES:
        return remembered
    return request.accept_languages.best_match(LANGUAGES, default="en") or "en"


def remember(request: Request, response: Response) -> Response:
    """Set the cookie when `?lang=` chose a language other than the remembered one.

    A page's language comes from the cookie or Accept-Language, so a cache must key pages on both.
    """
    if response.mimetype == "text/html":
        response.vary.update(("Cookie", "Accept-Language"))
    asked = request.args.get("lang")
    if asked in LANGUAGES and asked != request.cookies.get(COOKIE):
        response.set_cookie(COOKIE, asked, max_age=COOKIE_AGE, samesite="Lax", httponly=True)
    return response


def other(lang: str) -> str:
    return "zh" if lang == "en" else "en"


def pick(labels: Mapping[str, str], lang: str) -> str | None:
    """The label in `lang`, else in the other language, else one without a language tag."""
    for key in (lang, other(lang), ""):
        if labels.get(key):
            return labels[key]
    return next(iter(labels.values()), None)


def translate(lang: str):
    """`t("Reforms", "改革事项")` in templates: the English or the Chinese, as the page's language asks."""
    def t(en: str, zh: str) -> str:
        return zh if lang == "zh" else en

    return t
