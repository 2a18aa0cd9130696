"""``python -m cnnviz.zoo [name ...]``: retrain the zoo and rewrite ``models/`` (see :mod:`cnnviz.zoo.build`).

    python -m cnnviz.zoo               # every zoo model, in lesson order
    python -m cnnviz.zoo mlp cnn_best  # just these
"""

from cnnviz.zoo.build import main

raise SystemExit(main())
