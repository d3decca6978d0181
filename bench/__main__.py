"""`python -m bench`: the list benchmark at its default size (others run as their own modules)."""
from bench.lists import main

main()
