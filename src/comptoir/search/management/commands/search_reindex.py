from django.core.management.base import BaseCommand

from comptoir.search.index import reindex_all


class Command(BaseCommand):
    help = "Rebuild the search index of every article and ticket."

    def handle(self, *args: object, **options: object) -> None:
        count = reindex_all()
        self.stdout.write(f"{count} object(s) indexed.")
