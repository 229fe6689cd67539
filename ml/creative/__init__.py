"""The creative factory's models and image steps: plain Python, Pillow, OpenCV and torch (no Ray inside).

`ml.serve.creative_app` hosts them on Ray Serve; `workflows.factory` drives them in batch.
"""
