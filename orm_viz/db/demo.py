"""The demo database: Django settings, the template file, and a fresh copy per run.

The template is built once from ``demo_db``'s migrations plus its seed and kept
in the user's cache directory, named by a fingerprint of the migrations, the
seed and the Django version, so a change to any of them builds a new one. The
template is written once (atomically) and made read-only; runs only ever copy
it. Django is configured here, on demand, never at import time.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
import threading
from pathlib import Path

import demo_db

_configure_lock = threading.Lock()
_build_lock = threading.Lock()


class DemoDatabaseError(RuntimeError):
    """The demo database could not be prepared (one clear line for the user)."""


def configure_django() -> None:
    """Configure Django for the demo app once per process (idempotent).

    The default database name is a placeholder: every run points its own
    threads' connections at its own copy, so nothing ever writes to a shared file.
    """
    import django
    from django.conf import settings

    with _configure_lock:
        if settings.configured:
            from django.apps import apps

            if not apps.is_installed("demo_db"):
                raise DemoDatabaseError(
                    "Django is already configured without the demo_db app; "
                    "orm-viz needs its own settings (unset DJANGO_SETTINGS_MODULE)"
                )
            return
        settings.configure(
            DEBUG=False,
            INSTALLED_APPS=["demo_db"],
            DATABASES={
                "default": {
                    "ENGINE": "django.db.backends.sqlite3",
                    "NAME": ":memory:",
                }
            },
            USE_TZ=True,
            DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        )
        django.setup()


def cache_dir() -> Path:
    base = os.environ.get("ORM_VIZ_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "orm-viz"
    )
    return Path(base)


def _fingerprint() -> str:
    import django

    digest = hashlib.sha256(django.get_version().encode())
    package = Path(demo_db.__file__).parent
    for path in sorted(
        [package / "models.py", package / "seed.py", *package.glob("migrations/*.py")]
    ):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def template_path() -> Path:
    return cache_dir() / f"demo-{_fingerprint()}.sqlite3"


def ensure_template() -> Path:
    """Build the template database if it does not exist yet; return its path."""
    configure_django()
    target = template_path()
    with _build_lock:
        if target.exists():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, scratch = tempfile.mkstemp(prefix=".building-", suffix=".sqlite3", dir=target.parent)
        os.close(fd)
        errors: list[BaseException] = []
        builder = threading.Thread(target=_build, args=(scratch, errors), name="orm-viz-build-db")
        builder.start()
        builder.join()
        if errors:
            Path(scratch).unlink(missing_ok=True)
            raise DemoDatabaseError(f"could not build the demo database: {errors[0]}")
        os.chmod(scratch, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        os.replace(scratch, target)
    return target


def _build(path: str, errors: list[BaseException]) -> None:
    """Migrate and seed ``path`` from a thread of its own (connections are per thread)."""
    from django.core.management import call_command
    from django.db import connections

    from demo_db.seed import seed

    connection = connections["default"]
    connection.settings_dict = {**connection.settings_dict, "NAME": path}
    try:
        call_command("migrate", "demo_db", verbosity=0, interactive=False)
        seed()
    except Exception as error:  # handed to the caller, which reports it in one line
        errors.append(error)
    finally:
        connection.close()


def fresh_copy(directory: str | Path | None = None) -> Path:
    """Copy the template into ``directory`` (a new temporary one by default)."""
    template = ensure_template()
    folder = Path(directory) if directory is not None else Path(tempfile.mkdtemp(prefix="orm-viz-"))
    copy = folder / "demo.sqlite3"
    shutil.copyfile(template, copy)
    os.chmod(copy, stat.S_IRUSR | stat.S_IWUSR)
    return copy
