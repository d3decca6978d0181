"""`make bench`: run the benchmarks and print their figures."""
from .evidence_ingest import main

main()
