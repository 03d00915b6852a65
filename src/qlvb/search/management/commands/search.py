"""`qlvb search reindex`: rebuild every document's search entry in this process (after a
restore or documents loaded in bulk); `qlvb search query "..." --user NAME` tries a query."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from qlvb.core.errors import DomainError


class Command(BaseCommand):
    help = "Chỉ mục tìm kiếm: lập lại chỉ mục, thử tìm kiếm."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("reindex", help="Lập lại chỉ mục cho mọi văn bản.")
        query = sub.add_parser("query", help="Tìm thử với quyền của một người dùng.")
        query.add_argument("q")
        query.add_argument("--user", required=True)

    def handle(self, *args, action, **options):
        if action == "reindex":
            from qlvb.search.services import index_rebuild

            count = index_rebuild()
            self.stdout.write(f"Đã lập chỉ mục {count} văn bản.")
            return
        from qlvb.agencies.models import Person
        from qlvb.search.selectors import search

        person = Person.objects.filter(username=options["user"]).first()
        if person is None:
            raise CommandError("Không tìm thấy người dùng.")
        try:
            rows = list(search(viewer=person, q=options["q"])[:20])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        for entry in rows:
            self.stdout.write(f"{entry.document.number_and_notation}\t{entry.document.subject}")
