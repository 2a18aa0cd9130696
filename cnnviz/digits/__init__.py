"""A digit through a network: safe decoding of uploads (:mod:`.image_files`), ink told from paper
(:mod:`.ink`), MNIST-style normalisation of a student's digit (:mod:`.images`), per-layer feature
maps (:mod:`.activations`) and their figures (:mod:`.figures`).
"""
