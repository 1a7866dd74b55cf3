"""Raises after one query (a test fixture)."""

from demo_db.models import User


async def main():
    count = await User.objects.acount()
    if count:
        raise LookupError(f"found {count} users")
