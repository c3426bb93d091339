"""Static file names: hashed once collectstatic has run, as they are before.

Django's manifest storage makes every `{% static %}` fail (a 500 on every page) when
STATIC_ROOT has no manifest, which is the case for a local run with DEBUG off. Running
collectstatic on every local start would hide edits to static/, so before it has run the names
stay as they are and whitenoise serves them from static/ (WHITENOISE_USE_FINDERS in settings).
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def stored_name(self, name: str) -> str:
        if not self.hashed_files:  # no manifest read: collectstatic has not run
            return name
        return super().stored_name(name)
