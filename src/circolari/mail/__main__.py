"""``python -m circolari.mail``: the mail sub-app on its own (tests, before integration)."""

from circolari.mail.cli import main

main()
