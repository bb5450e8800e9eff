"""The loans app's part of the versioned API (``/api/v1/``): quotes and products."""
