"""``python -m zoom_xblock.sandbox --host 127.0.0.1 --port 8010 ...``"""
from .cli import main

main()
