from django.core.management.base import BaseCommand

from comptoir.kb.demo import seed_articles


class Command(BaseCommand):
    help = "Create the demo knowledge base articles (skips those that exist)."

    def handle(self, *args: object, **options: object) -> None:
        made = seed_articles()
        self.stdout.write(f"{made} article(s) created.")
