"""The PDF: the report's own HTML (the same fragment the page shows) with print CSS, through WeasyPrint.
Only data URIs are loaded (the charts): the fetcher allows no other protocol, so rendering never reaches the
network."""

from __future__ import annotations


def html_to_pdf(document: str) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    return HTML(string=document, url_fetcher=URLFetcher(allowed_protocols=("data",))).write_pdf()
