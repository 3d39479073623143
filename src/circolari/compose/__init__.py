"""From a validated act to semantic HTML: sandboxed Jinja, Markdown, ``[[fatti]]`` placeholders (each kind of act builds its template context: ``circolari.kinds``)."""
