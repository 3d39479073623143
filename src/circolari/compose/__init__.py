"""From a validated act to semantic HTML: template contexts, sandboxed Jinja, Markdown, ``[[fatti]]`` placeholders."""
