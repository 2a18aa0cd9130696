"""What a page says when something it needs is missing on this server.

A class sees the projector, so the page says one plain sentence: what does not work today and that
the person running the server can fix it. The whole story (file paths, the library's own error, the
commands) is for that person, and goes behind an expander (:func:`cnnviz.ui.unavailable`).
"""

from __future__ import annotations


class Unavailable(RuntimeError):
    """Something a page needs is missing or broken on this server.

    ``str(error)`` is the full explanation for the person running the server (paths, the library's
    error, what to do); :attr:`summary` is one plain sentence for the class, with no path and no
    library error. Subclasses give a default summary; a raise site may pass a sharper one.
    """

    summary = "Something this page needs is missing on this server."

    def __init__(self, details: str, *, summary: str | None = None):
        super().__init__(details)
        if summary is not None:
            self.summary = summary
