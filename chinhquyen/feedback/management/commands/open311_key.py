"""Manage Open311 client API keys: create (prints the key once), list, revoke."""

from django.core.management.base import BaseCommand, CommandError

from chinhquyen.core.errors import DomainError
from chinhquyen.feedback.models import Open311Client
from chinhquyen.feedback.services import open311_client_create, open311_client_revoke


class Command(BaseCommand):
    help = "Tạo, liệt kê, thu hồi API key của ứng dụng Open311."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("name")
        create.add_argument("--contact", default="")
        sub.add_parser("list")
        revoke = sub.add_parser("revoke")
        revoke.add_argument("client_id", type=int)

    def handle(self, *args, action, **options):
        try:
            if action == "create":
                client, raw = open311_client_create(
                    name=options["name"], contact=options["contact"]
                )
                self.stdout.write(f"{client.pk}\t{raw}")
            elif action == "list":
                for client in Open311Client.objects.order_by("pk"):
                    state = "active" if client.is_active else "revoked"
                    self.stdout.write(f"{client.pk}\t{client.key_prefix}…\t{state}\t{client.name}")
            else:
                open311_client_revoke(client_id=options["client_id"])
                self.stdout.write("revoked")
        except DomainError as exc:
            raise CommandError(exc.message) from exc
