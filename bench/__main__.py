"""`python -m bench`: run the canvass benchmark with its defaults."""
from .canvass import main

main()
