"""transaction.atomic() in async code fails; one sync function under sync_to_async works.

`transaction.atomic()` needs the connection synchronously, so in async code it
raises SynchronousOnlyOperation before any SQL runs. Put the whole transaction
in one sync function and await it with `sync_to_async`: every statement then
runs in the same DB thread, inside one transaction.
"""

from asgiref.sync import sync_to_async
from django.core.exceptions import SynchronousOnlyOperation
from django.db import transaction

from demo_db.models import User

TITLE = "transaction.atomic() in async code fails; a sync function under sync_to_async works"
SNAPSHOT = [
    "transaction.atomic() cannot be entered in async code: SynchronousOnlyOperation.",
    "Write the transaction as one sync function; await it with sync_to_async.",
    "All its statements run in one DB thread, in one hop, in one transaction.",
]
EXPECTED = ("returns", None)


def create_and_deactivate():
    with transaction.atomic():
        user = User.objects.create(name="made in a transaction", email="tx@example.com")
        User.objects.filter(pk=user.pk).update(active=False)
    return user.pk


async def main():
    try:
        with transaction.atomic():
            await User.objects.acreate(name="never created", email="no@example.com")
    except SynchronousOnlyOperation as error:
        problem = type(error).__name__
    created = await sync_to_async(create_and_deactivate)()
    return problem, created
