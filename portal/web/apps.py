from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "portal.web"
    label = "web"
    verbose_name = "ESF+ Portal"

    def ready(self) -> None:
        from portal.web import audit  # noqa: F401  (signal receivers: sign-in, failures, lockout)
