"""Xception on a photo: loading, preprocessing, top-5 and the class index (:mod:`.imagenet`),
Grad-CAM through the classifier head (:mod:`.gradcam`) and the page's figures (:mod:`.figures`).
"""
