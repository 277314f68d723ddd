from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Children and cases"

    def ready(self) -> None:
        """The case's own flag (its CSE risk) joins those higher apps add (cases.flags); the
        permission ids kept per process are dropped whenever migrate (or a flush) runs."""
        from django.db.models.signals import post_migrate

        from cases import registry, risk, selectors

        registry.add_case_flags(risk.risk_flags)
        post_migrate.connect(selectors.forget_permission_ids, dispatch_uid="cases-permission-ids")
