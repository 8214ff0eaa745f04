from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts import tokens
from accounts.models import StaffToken


class Command(BaseCommand):
    help = (
        "Issue a staff API token for USERNAME and print its key, once: the key is the only thing written to "
        "stdout (everything else goes to stderr), and only a digest of it is kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="An active staff user.")
        parser.add_argument(
            "--name", help="What will use the token (default: 'Command line' and the time, e.g. for a script)."
        )
        parser.add_argument(
            "--days",
            type=int,
            default=settings.STAFF_TOKEN_DAYS,
            help=f"Days until it expires, 1 to {tokens.MAX_DAYS} (default: STAFF_TOKEN_DAYS, %(default)s).",
        )

    def handle(self, *args, username, name, days, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if not (user.is_staff and user.is_active):
            raise CommandError(
                f"{username!r} is not an active staff member: only staff hold API tokens "
                "(tick 'Active' and 'Staff status' on the user in the admin first)."
            )
        now = timezone.now()
        token = StaffToken(
            user=user, name=name if name is not None else f"Command line {timezone.localtime(now):%Y-%m-%d %H:%M:%S}"
        )
        try:
            key = tokens.issue(token, days=days, now=now)
        except ValidationError as refused:
            raise CommandError(" ".join(refused.messages)) from None
        self.stdout.write(key)
        self.stderr.write(
            f"Issued {token.name!r} for {username}, expiring {timezone.localtime(token.expiry):%Y-%m-%d %H:%M %Z}. "
            "The key above is shown only now."
        )
