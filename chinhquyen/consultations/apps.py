from django.apps import AppConfig


class ConsultationsConfig(AppConfig):
    name = "chinhquyen.consultations"
    label = "consultations"
    verbose_name = "Lấy ý kiến trước khi đưa dịch vụ lên trực tuyến"
