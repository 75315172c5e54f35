"""Publish approved posts whose time has come.

In production Celery beat runs the same publisher every few seconds; this
command is for the demo (no broker) and for operators: `--every N` keeps it
running, publishing every N seconds.
"""

import time

from django.core.management.base import BaseCommand

from incidents.services.posts import posts_publish_due


class Command(BaseCommand):
    help = "Publish approved posts whose publishing time has come (outside held precincts)."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=0, help="Keep running, publishing every N seconds.")

    def handle(self, *args, every, **options):
        while True:
            published = posts_publish_due()
            if published or not every:
                self.stdout.write(f"Published {published} post{'s' if published != 1 else ''}.")
            if not every:
                return
            time.sleep(every)
