"""``python -m circolari.mail``: the mail sub-app on its own (tests, before integration)."""

from circolari.cli.mail import main

main()
