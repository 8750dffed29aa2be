"""Send the feedback deadline reminders now (run it from cron, e.g. every 30 minutes)."""

from django.core.management.base import BaseCommand

from chinhquyen.feedback.services import feedback_remind_due


class Command(BaseCommand):
    help = "Nhắc các cơ quan về phản ánh sắp đến hạn hoặc quá hạn (mỗi hạn nhắc một lần)."

    def handle(self, *args, **options):
        self.stdout.write(f"{feedback_remind_due()} reminder(s) sent")
