from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "chinhquyen.catalogue"
    label = "catalogue"
    verbose_name = "Danh mục thủ tục hành chính"

    def ready(self) -> None:
        from chinhquyen.core.pagecache import CATALOGUE
        from chinhquyen.core.receivers import page_cache_watch, page_cache_watch_links

        # The catalogue's public pages show these rows; SearchIndexStamp is written by every
        # change search sees, synonyms and phrases among them (services.search_index_touch).
        for name in ("Field", "Procedure", "ProcedureVersion", "RequiredDocument"):
            page_cache_watch(self.get_model(name), CATALOGUE)
        page_cache_watch(self.get_model("SearchIndexStamp"), CATALOGUE)
        # The agencies that receive a procedure (the procedure page lists them).
        page_cache_watch_links(self.get_model("Procedure").agencies.through, CATALOGUE)
