from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    name = "chinhquyen.workspace"
    label = "workspace"
    verbose_name = "Không gian làm việc của cán bộ"
