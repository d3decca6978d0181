"""The landing page after login."""
from flask import g
from flask_appbuilder import IndexView, expose


class HomeView(IndexView):
    """Shows each role where its work starts."""

    index_template = "home.html"

    @expose("/")
    def index(self):
        """The home page (public: it shows the login link to anonymous visitors)."""
        user = g.user if getattr(g, "user", None) and g.user.is_authenticated else None
        return self.render_template(self.index_template, appbuilder=self.appbuilder, user=user)
