""""Train your own CNN": the slider settings and their layer table (:mod:`.config`, :mod:`.network`),
one run (:mod:`.run`), live runs in a worker process (:mod:`.live`) behind a server-wide queue
(:mod:`.slots`), the precomputed sweep (:mod:`.sweep`, ``python -m cnnviz.playground.sweep``) and
the page's figures (:mod:`.figures`).
"""
