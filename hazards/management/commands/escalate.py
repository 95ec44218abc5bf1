from django.core.management.base import BaseCommand

from hazards.escalation import escalation_scan


class Command(BaseCommand):
    help = "Run the escalation scan once (beat runs it every 5 minutes); safe to repeat."

    def handle(self, *args, **options):
        steps = escalation_scan()
        self.stdout.write(f"{steps} escalation step(s) taken.")
