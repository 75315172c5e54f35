"""WhiteNoise's manifest storage, minus the source-map references.

The vendored USWDS files end with `sourceMappingURL=…` comments whose .map
files are not vendored, so `collectstatic` with the production storage stops
with MissingFileError (see docs/BENCHMARKS.md). The benchmark only needs the
manifest (hashed URLs, as production serves them), so it skips those
references; everything else is WhiteNoise's CompressedManifestStaticFilesStorage.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


def _without_source_maps(patterns):
    kept = []
    for extension, rules in patterns:
        rules = tuple(r for r in rules if "sourceMappingURL" not in (r if isinstance(r, str) else r[0]))
        if rules:
            kept.append((extension, rules))
    return tuple(kept)


class BenchStaticFilesStorage(CompressedManifestStaticFilesStorage):
    patterns = _without_source_maps(CompressedManifestStaticFilesStorage.patterns)
