"""Browsable API docs at /api/docs/: Swagger UI from local static files
(drf-spectacular-sidecar), under the site's CSP (`script-src 'self'`,
`style-src 'self'`): no CDN, no inline script, no inline style.

drf-spectacular's split view already serves the init script as a separate
same-origin request (`?script`); its HTML page still carries an inline
<style> block, so the page itself is ours.
"""

from django.http import HttpResponse
from django.template import engines
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView

_PAGE = engines["django"].from_string(
    """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<link rel="icon" href="{{ favicon_href }}">
<link rel="stylesheet" href="{{ swagger_ui_css }}">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{{ swagger_ui_bundle }}"></script>
<script src="{{ swagger_ui_standalone }}"></script>
<script src="{{ script_url }}"></script>
</body>
</html>
"""
)


class ApiDocsView(SpectacularSwaggerSplitView):
    title = "OpenBlotter API"

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if request.GET.get("script") is not None:
            return response
        # Same data drf-spectacular prepared for its template, rendered without inline CSS.
        html = _PAGE.render(response.data, request)
        return HttpResponse(html, content_type="text/html; charset=utf-8")
