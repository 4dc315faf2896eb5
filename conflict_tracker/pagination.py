from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """Numbered pages; `page_size` may ask for more rows, up to a cap that keeps one response cheap."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
