"""Writes to the demo database (a test fixture)."""

from demo_db.models import User


async def main():
    created = await User.objects.acreate(name="written by a test", email="t@example.com")
    changed = await User.objects.filter(active=False).aupdate(active=True)
    total = await User.objects.acount()
    return created.pk, changed, total
