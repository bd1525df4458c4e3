"""``python -m portal serve [--host H] [--port P] [--production]`` · ``python -m portal demo-accounts``
· ``python -m portal manage <django command>`` (e.g. ``createsuperuser``)."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["manage"]:
        from portal.serve import manage

        return manage(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m portal")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="Portal starten / serve the portal")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--production", action="store_true")
    sub.add_parser("demo-accounts", help="Demo-Konten anlegen / create the demo accounts")
    args = parser.parse_args(argv)
    if args.command == "serve":
        from portal.serve import main as serve_main

        return serve_main(args.host, args.port, args.production)
    from portal.demo import main as demo_main

    return demo_main()


if __name__ == "__main__":
    sys.exit(main())
