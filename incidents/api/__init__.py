"""The REST API v1 (/api/v1/), its OpenAPI schema and docs, and Open311 GeoReport v2.

- `views`: staff endpoints; `public_views`: public read-only ones; `auth`: tokens.
- `serializers` / `public_serializers`: validation and representations.
- `base`: service refusals → 400, lost races → 409, in the one error format (`tracker.api`).
- `schema`: error responses and tags in the OpenAPI schema; `docs`: Swagger UI under the CSP.
- `open311`: GeoReport v2 in JSON and XML.
"""
