"""`python manage.py add_channel --precinct SLUG --kind mastodon|bluesky|webhook --url URL
[--token T] [--handle H] [--password P] [--secret S]` (a contract command).

The secret (token, password or shared secret) is stored encrypted. Give "-"
as its value to read it from standard input, which keeps it out of the
process list and the shell history.
"""

import sys

from django.core.management.base import BaseCommand, CommandError

from incidents.services.errors import Refused
from precincts.models import Precinct
from publishing.models import ChannelKind
from publishing.services import channel_create

FROM_STDIN = "-"
# Which option carries each kind's secret.
SECRET_OPTION = {ChannelKind.MASTODON: "token", ChannelKind.BLUESKY: "password", ChannelKind.WEBHOOK: "secret"}


class Command(BaseCommand):
    help = "Add a channel (Mastodon, Bluesky or webhook) that a precinct's published posts also go to."

    def add_arguments(self, parser):
        parser.add_argument("--precinct", required=True, help="The precinct's slug.")
        parser.add_argument("--kind", required=True, choices=ChannelKind.values)
        parser.add_argument("--url", required=True, help="Instance, service or webhook URL (https://…).")
        parser.add_argument("--token", default="", help="Mastodon access token (or - to read it from stdin).")
        parser.add_argument("--handle", default="", help="Bluesky handle (for the others, an optional label).")
        parser.add_argument("--password", default="", help="Bluesky app password (or - to read it from stdin).")
        parser.add_argument("--secret", default="", help="Webhook shared secret (or - to read it from stdin).")
        parser.add_argument("--name", default="", help="A label for staff.")
        parser.add_argument("--inactive", action="store_true", help="Add it turned off.")

    def handle(self, *args, **options):
        precinct = Precinct.objects.filter(slug=options["precinct"]).first()
        if precinct is None:
            raise CommandError(f"No precinct with the slug {options['precinct']!r}.")
        kind = options["kind"]
        wanted = SECRET_OPTION[kind]
        others = sorted(name for name in set(SECRET_OPTION.values()) - {wanted} if options[name])
        if others:
            raise CommandError(f"A {kind} channel takes --{wanted}, not --{', --'.join(others)}.")
        secret = options[wanted]
        if secret == FROM_STDIN:
            secret = sys.stdin.readline().strip()
        if not secret:
            raise CommandError(f"A {kind} channel needs --{wanted}.")
        try:
            channel = channel_create(
                precinct=precinct,
                kind=kind,
                url=options["url"],
                handle=options["handle"],
                secret=secret,
                name=options["name"],
                is_active=not options["inactive"],
            )
        except Refused as refusal:
            raise CommandError(refusal.message) from None
        state = "on" if channel.is_active else "off"
        self.stdout.write(
            self.style.SUCCESS(
                f"Added {kind} channel {channel.pk} for {precinct.name} ({channel.url}), turned {state}."
            )
        )
