"""The learning page's code, exactly as written: it raises TypeError.

`User.objects.filter(active=True).all()` builds a QuerySet; it sends no query
and is not awaitable. `await` on it fails at once with
"object QuerySet can't be used in 'await' expression", before any SQL runs.
The fix: iterate it with `async for` (see seed_corrected), or call an
a-method such as `acount()` / `afirst()`.
"""

from demo_db.models import User

TITLE = "The seed page's code as written: await on a QuerySet raises TypeError"


async def get_users():
    users = await User.objects.filter(active=True).all()
    return users
