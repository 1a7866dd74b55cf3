"""The learning page's intent, done right: fetch the active users.

`filter()` is lazy and needs no `await`. `async for` over the QuerySet makes
one thread hop (Django runs `QuerySet._fetch_all` in a worker thread), then
hands back the cached rows without suspending again.
"""

from demo_db.models import User

TITLE = "The seed page's intent, done right: async for over a QuerySet"


async def get_users():
    users = [user async for user in User.objects.filter(active=True)]
    return users
