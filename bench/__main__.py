"""`python -m bench` (`make bench`): every benchmark at its default size, one after another."""
import importlib
import sys

BENCHMARKS = ("bench.lists", "bench.canvass", "bench.evidence_ingest")

for name in BENCHMARKS:
    print(f"== {name}", flush=True)
    sys.argv = [name]
    importlib.import_module(name).main()
