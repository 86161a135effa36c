from golayer.cli import main

main()
