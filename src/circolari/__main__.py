from circolari.cli.main import main

main()
