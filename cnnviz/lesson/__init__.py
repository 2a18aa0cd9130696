"""The lesson's arithmetic and its pictures: a digit as a matrix, convolution and pooling in numpy
(checked against Keras), kernels, the animations that play them step by step, and the shift demo.
No TensorFlow here: the pages built on it open without loading Keras.
"""
