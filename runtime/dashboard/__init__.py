"""The web dashboard served by the runtime at ``/`` (issue 16).

``pages`` holds the routes and serves the static files (``static/``: plain ES modules
and CSS, package data, no build step); ``sessions`` the sign-in session and CSRF rules
the API's middleware applies to a browser; ``risk`` the read-only risk view.
"""

from ordergate.runtime.dashboard.pages import is_public, routes
from ordergate.runtime.dashboard.sessions import Sessions

__all__ = ["Sessions", "is_public", "routes"]
