"""`python -m exportwatch` is the `exportwatch` command."""

from exportwatch.cli import main

main()
