"""Fill the shared Keras cache ($KERAS_HOME) once, before the replicas start.

Keras downloads straight into its cache file, so replicas that each fetched Xception's 88 MB
weights into one shared volume at the same moment would overwrite each other's half-written
file. compose.yaml runs this once (a one-shot service) and starts the replicas after it.

Best effort: whatever cannot be fetched (no internet) is reported and skipped, and the exit code
is still 0, because the app explains on the page what is missing and the other pages still work.

    python deploy/seed_keras_home.py
"""

from __future__ import annotations

import os
import sys

# The same origins and hashes Keras itself uses, so the cached files are the ones the app asks for.
CLASS_INDEX_URL = "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json"
CLASS_INDEX_MD5 = "c2c37ea517e94d9795004a39431a14cb"
PUPPY_URL = "https://storage.googleapis.com/download.tensorflow.org/example_images/YellowLabradorLooking_new.jpg"


def seed() -> list[str]:
    """Download what the app fetches on first use; return one line per item that failed."""
    import keras

    steps = {
        "MNIST": lambda: keras.datasets.mnist.load_data(),
        "Xception's ImageNet weights": lambda: keras.applications.Xception(weights="imagenet"),
        "ImageNet class names": lambda: keras.utils.get_file(
            "imagenet_class_index.json", CLASS_INDEX_URL, cache_subdir="models", file_hash=CLASS_INDEX_MD5),
        "the Labrador sample photo": lambda: keras.utils.get_file("YellowLabradorLooking_new.jpg", PUPPY_URL),
    }
    failures = []
    for name, step in steps.items():
        try:
            step()
            print(f"cached: {name}", flush=True)
        except Exception as error:  # Keras raises a bare Exception("URL fetch failure ...") offline
            failures.append(f"not cached: {name} ({type(error).__name__}: {error})")
            print(failures[-1], flush=True)
    return failures


def main() -> int:
    """Seed the cache; always 0, so an offline start still brings the replicas up."""
    print(f"seeding KERAS_HOME={os.environ.get('KERAS_HOME', '~/.keras')}", flush=True)
    failures = seed()
    if failures:
        print("the app will show what is missing on its pages", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
