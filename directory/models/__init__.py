"""The domain models, one module per area; everything is importable from here.

* directory.py  – organisations, offers (HSDS service), locations, schedules, vocabularies
* accounts.py   – users, roles, memberships (providers, moderators, counsellors)
* translations.py – offer texts in other languages
* referrals.py  – counsellors' referrals and their status
* activity.py   – change history, moderation, aggregated search log
* moderation.py – proposed changes (revisions), offer change history, invitations, reminders, import runs
* mail.py       – the mail outbox
"""
from .accounts import *  # noqa: F401,F403,E402
from .accounts import __all__ as _accounts_all  # noqa: E402
from .activity import *  # noqa: F401,F403,E402  (aggregated search demand)
from .activity import __all__ as _activity_all  # noqa: E402
from .directory import *  # noqa: F401,F403
from .directory import __all__ as _directory_all
from .mail import *  # noqa: F401,F403,E402  (mail outbox)
from .mail import __all__ as _mail_all  # noqa: E402
from .moderation import *  # noqa: F401,F403,E402  (revisions, history, invitations)
from .moderation import __all__ as _moderation_all  # noqa: E402
from .referrals import *  # noqa: F401,F403,E402
from .referrals import __all__ as _referrals_all  # noqa: E402
from .translations import *  # noqa: F401,F403,E402
from .translations import __all__ as _translations_all  # noqa: E402

__all__ = list(_directory_all) + list(_accounts_all) + list(_translations_all)
__all__ += list(_referrals_all)
__all__ += list(_moderation_all) + list(_mail_all)
__all__ += list(_activity_all)
