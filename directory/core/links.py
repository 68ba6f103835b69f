"""Links that leave the app: the public address of a page (for referral sheets, sharing and QR
codes, where a relative URL is no use) and QR codes of such addresses."""
from __future__ import annotations

import qrcode
import qrcode.image.svg
from flask import current_app, request, url_for

from directory.core import i18n
from directory.core.i18n import SOURCE_LANGUAGE as SOURCE


def public_base_url() -> str:
    """Where the public pages live: PUBLIC_BASE_URL, else the host this request came in on
    (with the app's own script root, but without an interface-language prefix)."""
    configured = current_app.config.get("PUBLIC_BASE_URL")
    if configured:
        return configured.rstrip("/")
    # LanguagePrefix moves "/fa" into SCRIPT_NAME and keeps the original here
    script = request.environ.get("wegweiser.base_script", request.script_root)
    return request.host_url.rstrip("/") + script.rstrip("/")


def offer_url(offer_id: int, lang: str) -> str:
    """Absolute URL of an offer's public page, in the client's language if the site has it."""
    path = url_for("public.offer_detail", offer_id=offer_id)
    path = path[len(request.script_root):] if path.startswith(request.script_root) else path
    prefix = f"/{lang}" if lang != SOURCE and lang in i18n.available() else ""
    return public_base_url() + prefix + path


def qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    return image.to_string(encoding="unicode")


def qr_png(url: str):
    return qrcode.make(url, box_size=8, border=2).get_image()
