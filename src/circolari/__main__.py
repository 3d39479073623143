from circolari.cli.entry import main

main()
