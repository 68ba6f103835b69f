"""A referred offer's status: the labels, and applying a status form from a counsellor or provider."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from directory.models import DECLINE_REASONS, InvalidTransition, ReferralOffer

STATUS_LABELS = {
    "sent": _l("vermittelt"),
    "contacted": _l("Kontakt aufgenommen"),
    "started": _l("begonnen"),
    "completed": _l("abgeschlossen"),
    "declined": _l("abgelehnt"),
    "no_capacity": _l("kein Platz frei"),
}
REASON_LABELS = {
    "not_reached": _l("Person nicht erreicht"),
    "client_declined": _l("Person hat abgesagt"),
    "not_suitable": _l("Angebot passt doch nicht"),
    "requirements": _l("Voraussetzungen fehlen"),
    "full": _l("Angebot ist voll"),
    "other": _l("anderer Grund"),
}


def apply_status_change(item: ReferralOffer, data, actor_role: str) -> str | None:
    """Validate and apply a status form (status, reason, note). Returns an error message."""
    new = data.get("status", "")
    if new not in STATUS_LABELS:
        return _("Unbekannter Status: %(value)s", value=new[:20])
    reason = data.get("reason", "") or None
    if reason is not None and reason not in DECLINE_REASONS:
        return _("Unbekannter Grund: %(value)s", value=reason[:20])
    note = data.get("note", "")
    if len(note) > 300:
        return _("Die Notiz ist zu lang (höchstens %(n)d Zeichen).", n=300)
    try:
        item.change(new, actor_role, current_user, reason=reason, note=note)
    except InvalidTransition:
        if item.status == new:
            return _("Der Status ist schon „%(status)s“ (gerade eben gemeldet).", status=STATUS_LABELS[new])
        return _("„%(new)s“ ist nach „%(old)s“ nicht möglich.",
                 new=STATUS_LABELS[new], old=STATUS_LABELS.get(item.status, item.status))
    return None
