"""The window sizes the browser tests open pages at."""

PHONE = {"width": 320, "height": 640}
DESKTOP = {"width": 1280, "height": 900}
