from django.apps import AppConfig


class PrintformsConfig(AppConfig):
    name = "chinhquyen.printforms"
    label = "printforms"
    verbose_name = "Biểu mẫu 01–07"
