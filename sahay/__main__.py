"""The `sahay` console command: Django's management commands plus Sahay's own.

Sahay's commands are written with dashes (`sahay load-framework`); Django names command modules with
underscores, so the first argument is translated before Django sees it.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sahay.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    argv[0] = "sahay"
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
